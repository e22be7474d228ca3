/**
 * The fault rig of the upload scenarios: a fault proxy in front of S3 (the signer's own S3 calls and
 * the client's part PUTs both pass through it: the signer signs for the proxy's address) and one in
 * front of the signing endpoint, the real signer, and helpers that judge an ending: byte-identical
 * (SHA-256 of a GET made directly on S3) or a typed error with no multipart upload left
 * (ListMultipartUploads made directly on S3).
 */
import {
  createUploader,
  isS3EdgeError,
  type Upload,
  type UploadedObject,
  type Uploader,
  type UploaderOptions,
} from "../../../src/node.js";
import type { SignerOptions } from "../../../src/server.js";
import type { TestApp } from "../../support/app.js";
import { sha256 } from "../../support/data.js";
import { startFaultProxy, type Fault, type FaultProxy } from "../../support/fault-proxy.js";
import { startTargetApp, uniquePrefix } from "../../support/target-app.js";
import type { Target } from "../../support/targets.js";

/** A running rig. */
export interface Rig {
  target: Target;
  /** Between everyone and S3. */
  s3: FaultProxy;
  /** Between the client and the signing endpoint. */
  endpoint: FaultProxy;
  app: TestApp;
  /** Key prefix of this rig's uploads. */
  prefix: string;
  /** An uploader whose every request goes through the proxies (fast retries unless told). */
  uploader(options?: Partial<UploaderOptions>): Uploader;
  /** Multipart uploads of this rig still in progress on S3. */
  leftovers(): Promise<Array<{ key: string; uploadId: string }>>;
  /** SHA-256 of the stored object (read directly from S3), undefined if there is none. */
  storedHash(key: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Starts a rig over `target`. */
export async function startRig(target: Target, name: string, signer: Partial<SignerOptions> = {}): Promise<Rig> {
  const prefix = uniquePrefix(`rel-${name}-${target.name}`);
  const s3 = await startFaultProxy({ target: target.endpoint, seed: 7 });
  const app = await startTargetApp({ ...target, endpoint: s3.url }, prefix, signer);
  const endpoint = await startFaultProxy({ target: app.url, seed: 11 });
  return {
    target,
    s3,
    endpoint,
    app,
    prefix,
    uploader: (options = {}) =>
      createUploader({
        endpoint: `${endpoint.url}/s3edge`,
        store: false,
        retry: { baseDelayMs: 20, maxDelayMs: 200 },
        ...options,
      }),
    leftovers: () => target.listUploads(prefix),
    async storedHash(key) {
      const bytes = await target.getObject(key);
      return bytes && sha256(bytes);
    },
    async close() {
      await endpoint.close();
      await app.close();
      await s3.close();
    },
  };
}

/** How an upload ended, judged by the rules of the suite. */
export type Ending =
  | { kind: "identical"; result: UploadedObject }
  | { kind: "typed-error"; code: string; message: string };

/**
 * Waits for `upload` and judges its ending: success must be byte-identical to `expected`; failure
 * must be an S3EdgeError and leave no multipart upload of the rig behind. Throws otherwise.
 */
export async function ending(rig: Rig, upload: Upload, expected: Uint8Array): Promise<Ending> {
  const outcome = await upload.done().then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  if ("result" in outcome) {
    const stored = await rig.storedHash(outcome.result.key);
    if (stored !== sha256(expected))
      throw new Error(`${outcome.result.key}: stored bytes differ from the file (corrupted or missing)`);
    return { kind: "identical", result: outcome.result };
  }
  if (!isS3EdgeError(outcome.error)) throw new Error(`upload failed with an untyped error: ${String(outcome.error)}`);
  const left = await rig.leftovers();
  if (left.length > 0)
    throw new Error(`upload failed (${outcome.error.code}) and left ${left.length} multipart upload(s) behind`);
  return { kind: "typed-error", code: outcome.error.code, message: outcome.error.message };
}

/** Counts the `retry` events of an upload, by error code. */
export function countRetries(upload: Upload): Record<string, number> {
  const counts: Record<string, number> = {};
  upload.on("retry", (e) => {
    counts[e.error.code] = (counts[e.error.code] ?? 0) + 1;
  });
  return counts;
}

/** Resolves at the first `part` event of `upload`. */
export function firstPart(upload: Upload): Promise<void> {
  return new Promise((resolve) => {
    const off = upload.on("part", () => {
      off();
      resolve();
    });
  });
}

/** Resolves when `upload` reaches `status`. */
export function reaches(upload: Upload, status: string): Promise<void> {
  return new Promise((resolve) => {
    if (upload.getState().status === status) return resolve();
    const off = upload.subscribe((s) => {
      if (s.status === status) {
        off();
        resolve();
      }
    });
  });
}

/** One line of the suite's summary table. */
export interface ScenarioRecord {
  scenario: string;
  target: string;
  faults: Partial<Record<Fault["kind"] | "down", number>>;
  ending: string;
}
