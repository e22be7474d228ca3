/**
 * Continuing a stored upload (loaded by `session.ts` only when the resume store
 * holds a record for the source): check the record, then ask S3 which parts it
 * has. S3 is the truth: the parts it lists with the size the plan expects are
 * done; anything else (a part only the local record knows, a part of another
 * size) is uploaded again.
 */
import { EndpointError } from "../core/errors.js";
import { partCount, partRange } from "../core/parts.js";
import type { StoredPart, UploadRef } from "../core/protocol.js";
import type { EndpointCall } from "../endpoint/client.js";
import type { OpenSessionOptions, Session } from "./session.js";
import { parseResumeRecord, refOf } from "./stores/record.js";
import type { ResumeRecord, ResumeStore } from "./types.js";

/**
 * The multipart upload `raw` (what the store returned for `fingerprint`) describes, when S3 still
 * has it; else `undefined` after cleaning up: a malformed record or one of another version is a
 * `mismatch` restart (its upload aborted, best effort, when it names one), an expired or unknown
 * upload a restart, and the record is removed. Throws only what `list` throws that is not "gone".
 */
export async function resumeStored(
  o: OpenSessionOptions,
  store: ResumeStore,
  fingerprint: string,
  raw: unknown,
  size: number,
): Promise<Session | undefined> {
  const record = parseResumeRecord(raw);
  const resumed = record?.fingerprint === fingerprint ? await tryResume(o, record, size) : await malformed(o, raw);
  if (!resumed) await store.remove(fingerprint).catch(() => undefined);
  return resumed;
}

/** Abort the stored upload of `fingerprint` (best effort) and remove its record; true when there was one. */
export async function discardStored(call: EndpointCall, store: ResumeStore, fingerprint: string): Promise<boolean> {
  const raw: unknown = await Promise.resolve()
    .then(() => store.get(fingerprint))
    .catch(() => undefined);
  if (raw === undefined || raw === null) return false;
  const ref = refOf(raw);
  if (ref) await call("abort", ref).catch(() => undefined);
  await store.remove(fingerprint).catch(() => undefined);
  return true;
}

async function malformed(o: OpenSessionOptions, raw: unknown): Promise<undefined> {
  o.onRestart({ reason: "mismatch" });
  const ref = refOf(raw);
  if (ref) await o.call("abort", ref, o.signal).catch(() => undefined);
  return undefined;
}

async function tryResume(o: OpenSessionOptions, record: ResumeRecord, size: number): Promise<Session | undefined> {
  const ref: UploadRef = { key: record.key, uploadId: record.uploadId, token: record.token };
  const reason =
    record.size !== size || record.checksum !== o.checksum
      ? "mismatch"
      : record.expiresAt <= o.now()
        ? "expired"
        : undefined;
  if (reason) {
    o.onRestart({ reason });
    // Best effort: the server accepts an expired token for abort, so the stale parts stop being billed.
    await o.call("abort", ref, o.signal).catch(() => undefined);
    return undefined;
  }
  let listed: StoredPart[];
  try {
    listed = (await o.attempt(() => o.call("list", ref, o.signal))).parts;
  } catch (error) {
    const code = error instanceof EndpointError ? error.serverCode : undefined;
    if (code === "UploadNotFound" || code === "InvalidToken" || code === "TokenExpired") {
      o.onRestart({ reason: code === "UploadNotFound" ? "not-found" : "expired" });
      return undefined;
    }
    throw error;
  }
  const count = partCount(size, record.partSize);
  const done = listed.filter((part) => {
    if (!Number.isInteger(part.partNumber) || part.partNumber < 1 || part.partNumber > count || !part.etag)
      return false;
    const { start, end } = partRange(part.partNumber, record.partSize, size);
    return part.size === end - start;
  });
  return {
    mode: "multipart",
    key: record.key,
    ref,
    partSize: record.partSize,
    expiresAt: record.expiresAt,
    done,
    resumed: true,
    record: {
      ...record,
      parts: done.map(({ partNumber, etag, size, checksum }) => ({
        partNumber,
        etag,
        size,
        ...(checksum && { checksum }),
      })),
    },
  };
}
