/**
 * vitest globalSetup for the projects that may use Ceph RGW (integration, reliability): provides
 * the broker's URL as `inject("rgwBroker")`. RGW itself starts only when a suite first asks for it
 * (`connectRgw()`), once per run, and stops at the end of the run.
 */
import type { TestProject } from "vitest/node";

import { acquireBroker, releaseBroker } from "./broker.js";
import "./types.js";

/** Registers this project with the run's broker and returns the teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  project.provide("rgwBroker", await acquireBroker());
  return () => releaseBroker();
}
