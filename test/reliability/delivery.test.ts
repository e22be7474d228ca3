/**
 * Delivery while the CDN flaps: the nginx edge (test/support/edge.ts) in front of S3 (Ceph RGW, or
 * the s3rver fixture when RGW is not among S3EDGE_TARGETS) changes mode every second (hang, healthy,
 * 503, healthy, stopped, healthy, ...) while 200 `edge.fetch` reads run, overlapping, spread over
 * the flapping. Every read must return the
 * object's bytes; the reads that paid the full timeout (a hung CDN attempt) must stay within what
 * the breaker promises: once `failureThreshold` failures are counted it sends nothing to the CDN
 * until its cool-down is over, then exactly one probe. So the timed-out attempts of a closed period
 * are at most `failureThreshold` plus the attempts already in flight when it opens, and each
 * half-open period adds at most one.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHostHealth, type HostHealth, type HostState } from "../../src/core/health.js";
import { createEdge, type FallbackEvent } from "../../src/delivery/index.js";
import { startEdge, type Edge as EdgeFixture, type EdgeMode } from "../support/edge.js";
import { RGW_START_TIMEOUT_MS } from "../support/rgw/connect.js";
import { startTarget, targetNames, type Target } from "../support/targets.js";

const READS = 200;
const FLAPS: EdgeMode[] = ["hang", "healthy", { status: 503 }, "healthy", "stopped", "healthy", "hang", "healthy"];
const FLAP_MS = 1_000;
const BREAKER = {
  failureThreshold: 3,
  windowMs: 10_000,
  cooldownMs: 1_000,
  maxCooldownMs: 4_000,
  probeTimeoutMs: 2_000,
} as const;
const TIMEOUT_MS = 600;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let target: Target;
let cdn: EdgeFixture;
const objects: Array<{ key: string; body: Buffer }> = [];

beforeAll(async () => {
  // RGW when it is among the targets: a separate process, so S3's work does not compete with the
  // client's timers in this process (the in-process s3rver fixture does, on a loaded machine).
  target = await startTarget(targetNames().includes("rgw") ? "rgw" : "s3rver");
  cdn = await startEdge({ origin: target.endpoint });
  for (let i = 0; i < 20; i++) {
    const body = randomBytes(16 * 1024 + i);
    const key = `flap-${Date.now()}/object-${i}.bin`;
    await target.s3Client().send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body }));
    objects.push({ key, body });
  }
}, RGW_START_TIMEOUT_MS);
afterAll(async () => {
  await cdn?.close();
  await target?.close();
});

/** What happened, in order (one sequence for breaker transitions and acquisitions: exact ordering, no clock). */
type Step =
  | { seq: number; at: number; kind: "transition"; state: HostState }
  | { seq: number; at: number; kind: "acquire"; read: number; verdict: "try" | "probe" | "skip" };

/** The CDN request of one read, as the edge's `fetch` saw it. */
interface CdnRequest {
  end: number;
  outcome: "answered" | "failed" | "timeout";
}

describe("delivery while the edge flaps every second", () => {
  it("200 overlapping reads all return the right bytes; reads that paid the full timeout stay within the breaker's bound", async () => {
    const cdnHost = new URL(cdn.url).host;
    const steps: Step[] = [];
    let seq = 0;
    const readOf = new AsyncLocalStorage<number>();
    const breaker = createHostHealth(BREAKER);
    breaker.subscribe((s) => {
      if (s.host === cdnHost) steps.push({ seq: seq++, at: performance.now(), kind: "transition", state: s.state });
    });
    // The edge's breaker, with every acquisition recorded against the read that asked.
    const health: HostHealth = {
      ...breaker,
      acquire(host) {
        const verdict = breaker.acquire(host);
        if (host === cdnHost)
          steps.push({ seq: seq++, at: performance.now(), kind: "acquire", read: readOf.getStore() ?? -1, verdict });
        return verdict;
      },
    };
    const requests = new Map<number, CdnRequest>();
    // Sees every request the edge sends (ky calls it with a Request); ky aborts a CDN request at timeoutMs.
    const observed: typeof fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (new URL(url).host !== cdnHost) return fetch(input, init);
      const request: CdnRequest = { end: Number.POSITIVE_INFINITY, outcome: "answered" };
      requests.set(readOf.getStore() ?? -1, request);
      try {
        const response = await fetch(input, init);
        if (response.status >= 500) request.outcome = "failed";
        return response;
      } catch (error) {
        request.outcome = (error as Error).name === "AbortError" ? "timeout" : "failed";
        throw error;
      } finally {
        request.end = performance.now();
      }
    };
    const events: FallbackEvent[] = [];
    const edge = createEdge({
      cdn: `${cdn.url}/${target.bucket}`,
      origin: { endpoint: target.endpoint, bucket: target.bucket, pathStyle: true },
      timeoutMs: TIMEOUT_MS,
      health,
      fetch: observed,
    });
    edge.on("fallback", (e) => events.push(e));

    // Warm up both paths (connections, caches, JIT): the test is about the breaker, not a cold start.
    await Promise.all(
      objects.map(async ({ key, body }) => {
        for (const base of [`${target.endpoint}/${target.bucket}`, `${cdn.url}/${target.bucket}`]) {
          expect(Buffer.from(await (await fetch(`${base}/${key}`)).arrayBuffer()).equals(body)).toBe(true);
        }
      }),
    );

    // The flapping, one mode per second, recorded as a timeline.
    const modes: Array<{ at: number; mode: EdgeMode }> = [];
    let flapping = true;
    const flapper = (async () => {
      for (let i = 0; flapping; i = (i + 1) % FLAPS.length) {
        const mode = FLAPS[i] as EdgeMode;
        await cdn.setMode(mode);
        modes.push({ at: performance.now(), mode });
        await sleep(FLAP_MS);
      }
    })();
    await sleep(200);

    // 200 reads started 40 ms apart, awaited together (they overlap: each may take up to the timeout).
    const reads: Array<Promise<boolean>> = [];
    const readStarts: number[] = [];
    for (let i = 0; i < READS; i++) {
      const { key, body } = objects[i % objects.length] as { key: string; body: Buffer };
      readStarts.push(performance.now());
      reads.push(
        readOf.run(i, () =>
          edge.fetch(key).then(async (response) => Buffer.from(await response.arrayBuffer()).equals(body)),
        ),
      );
      await sleep((FLAP_MS * FLAPS.length) / READS);
    }
    const correct = await Promise.all(reads);
    flapping = false;
    await flapper;
    await cdn.setMode("healthy");

    // Every read returned the object's bytes.
    expect(correct.filter(Boolean)).toHaveLength(READS);
    const timedOut = [...requests.values()].filter((r) => r.outcome === "timeout");
    expect(timedOut).toHaveLength(events.filter((e) => e.reason === "timeout").length);
    // The flapping really happened: hangs were met, the breaker opened.
    expect(modes.filter((m) => m.mode === "hang").length).toBeGreaterThanOrEqual(2);
    expect(timedOut.length).toBeGreaterThan(0);
    expect(steps.some((s) => s.kind === "transition" && s.state === "open")).toBe(true);

    // Walk the steps: each acquisition's verdict must match the breaker's state, and each period's
    // timed-out CDN requests must stay within what the breaker promises for it.
    let state: HostState = "closed";
    let period: Array<Extract<Step, { kind: "acquire" }>> = [];
    let bound = 0;
    const closePeriod = (endedAt: number): void => {
      const sent = period
        .filter((a) => a.verdict !== "skip")
        .map((a) => requests.get(a.read))
        .filter((r): r is CdnRequest => r !== undefined);
      const timeouts = sent.filter((r) => r.outcome === "timeout").length;
      if (state === "half-open") {
        // One probe per half-open period (probeTimeoutMs is longer than the timeout).
        expect(sent.length).toBeLessThanOrEqual(1);
        bound += 1;
      } else if (state === "closed") {
        // failureThreshold failures in a row (a success resets the count) open the breaker; requests
        // already in flight when it opens may still time out.
        let run = 0;
        let resets = 0;
        for (const r of sent.filter((x) => x.end < endedAt).sort((a, b) => a.end - b.end)) {
          if (r.outcome === "answered") {
            if (run > 0) resets += 1;
            run = 0;
          } else run += 1;
        }
        const inFlight = sent.filter((r) => r.end >= endedAt).length;
        const allowed = BREAKER.failureThreshold * (resets + 1) + inFlight;
        expect(timeouts).toBeLessThanOrEqual(allowed);
        bound += Math.min(allowed, sent.length);
      }
      period = [];
    };
    for (const step of steps) {
      if (step.kind === "transition") {
        closePeriod(step.at);
        state = step.state;
        continue;
      }
      // The verdict matches the state: try when closed, skip when open, the probe (or skip) when half-open.
      const expected = state === "closed" ? ["try"] : state === "open" ? ["skip"] : ["probe", "skip"];
      expect(expected).toContain(step.verdict);
      period.push(step);
    }
    closePeriod(Number.POSITIVE_INFINITY);
    expect(timedOut.length).toBeLessThanOrEqual(bound);

    // Without a breaker, every read started during a hang would have paid the timeout.
    const hangs = modes
      .map((m, i) => ({ mode: m.mode, from: m.at, to: modes[i + 1]?.at ?? Number.POSITIVE_INFINITY }))
      .filter((w) => w.mode === "hang");
    const readsDuringHangs = readStarts.filter((t) => hangs.some((w) => t >= w.from && t < w.to)).length;
    const skipped = steps.filter((s) => s.kind === "acquire" && s.verdict === "skip").length;
    console.log(
      `flapping edge: ${READS} reads, all byte-correct; ${hangs.length} hang phases; ` +
        `${timedOut.length} reads paid the ${TIMEOUT_MS} ms timeout (breaker bound ${bound}; reads started during hangs ${readsDuringHangs}); ` +
        `CDN requests ${requests.size}, skipped by the open breaker ${skipped}; fallbacks ${events.length} ` +
        `(${["network", "status", "timeout", "circuit-open"].map((r) => `${r} ${events.filter((e) => e.reason === r).length}`).join(", ")}); ` +
        `breaker opened ${steps.filter((s) => s.kind === "transition" && s.state === "open").length} times`,
    );
  });
});
