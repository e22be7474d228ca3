/**
 * Opening an upload on the server: continue a stored multipart upload of the
 * same source when there is one and S3 still has it, else `create` a new one.
 *
 * On resume, S3 is the truth: the parts S3 lists with the size the plan
 * expects are done; anything else (a part only the local record knows, a
 * part of another size) is uploaded again.
 */
import { EndpointError } from "../core/errors.js";
import { partCount, partRange } from "../core/parts.js";
import type {
  ChecksumAlgorithm,
  CreateResponse,
  StoredPart,
  UploadRef,
} from "../core/protocol.js";
import type { EndpointCall } from "../endpoint/client.js";
import { RESUME_RECORD_VERSION, parseResumeRecord, refOf } from "./stores/record.js";
import type { ResumeRecord, ResumeStore, UploadEvents, UploadSource } from "./types.js";

/** An upload the server knows, ready for its parts. */
export type Session =
  | (Extract<CreateResponse, { mode: "single" }> & { resumed: false })
  | {
      mode: "multipart";
      key: string;
      ref: UploadRef;
      partSize: number;
      expiresAt: number;
      /** Parts S3 already holds (resume). */
      done: StoredPart[];
      resumed: boolean;
      /** The stored record to keep up to date, when the upload is resumable. */
      record?: ResumeRecord;
    };

/** What {@link openSession} needs. */
export interface OpenSessionOptions {
  call: EndpointCall;
  /** Runs an endpoint call with the upload's retry policy. */
  attempt: <T>(fn: () => Promise<T>) => Promise<T>;
  source: UploadSource;
  filename: string;
  contentType: string;
  metadata: Record<string, string> | undefined;
  partSize: number | undefined;
  checksum: ChecksumAlgorithm | undefined;
  store: ResumeStore | undefined;
  signal: AbortSignal;
  /** Server time (epoch ms): the record's `expiresAt` is the server's. */
  now: () => number;
  onRestart(event: UploadEvents["restart"]): void;
}

/**
 * The stored record of `fingerprint`, checked. A record that is malformed or of
 * another version is removed (its upload aborted, best effort, when it names
 * one) and reported as a `mismatch` restart; a store that cannot be read means
 * no resume. Never throws.
 */
async function storedRecord(o: OpenSessionOptions, store: ResumeStore, fingerprint: string): Promise<ResumeRecord | undefined> {
  let raw: unknown;
  try {
    raw = await store.get(fingerprint);
  } catch {
    return undefined;
  }
  if (raw === undefined || raw === null) return undefined;
  const record = parseResumeRecord(raw);
  if (record?.fingerprint === fingerprint) return record;
  o.onRestart({ reason: "mismatch" });
  const ref = refOf(raw);
  if (ref) await o.call("abort", ref, o.signal).catch(() => undefined);
  await store.remove(fingerprint).catch(() => undefined);
  return undefined;
}

/** Resume a stored upload of the same source, or create a new one. */
export async function openSession(o: OpenSessionOptions): Promise<Session> {
  const { source, store } = o;
  const fingerprint = store && source.kind === "random" ? source.fingerprint : undefined;
  const record = store && fingerprint ? await storedRecord(o, store, fingerprint) : undefined;
  if (record && fingerprint && source.kind === "random") {
    const resumed = await tryResume(o, record, source.size);
    if (resumed) return resumed;
    await store?.remove(fingerprint).catch(() => undefined);
  }

  const created = await o.attempt(() =>
    o.call(
      "create",
      {
        filename: o.filename,
        contentType: o.contentType,
        size: source.size,
        ...(o.metadata && { metadata: o.metadata }),
        ...(o.checksum && { checksum: o.checksum }),
        ...(o.partSize && { partSize: o.partSize }),
      },
      o.signal,
    ),
  );
  if (created.mode === "single") return { ...created, resumed: false };
  const { key, uploadId, token, partSize, expiresAt } = created;
  const session: Session = {
    mode: "multipart",
    key,
    ref: { key, uploadId, token },
    partSize,
    expiresAt,
    done: [],
    resumed: false,
  };
  if (store && fingerprint && source.size !== null) {
    session.record = {
      v: RESUME_RECORD_VERSION,
      fingerprint,
      filename: o.filename,
      size: source.size,
      key,
      uploadId,
      token,
      partSize,
      expiresAt,
      createdAt: o.now(),
      ...(o.checksum && { checksum: o.checksum }),
      parts: [],
    };
    await store.set(session.record).catch(() => undefined); // no resume after a reload, the upload goes on
  }
  return session;
}

async function tryResume(o: OpenSessionOptions, record: ResumeRecord, size: number): Promise<Session | undefined> {
  const ref: UploadRef = { key: record.key, uploadId: record.uploadId, token: record.token };
  const reason = record.size !== size || record.checksum !== o.checksum ? "mismatch" : record.expiresAt <= o.now() ? "expired" : undefined;
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
    if (!Number.isInteger(part.partNumber) || part.partNumber < 1 || part.partNumber > count || !part.etag) return false;
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
    record: { ...record, parts: done.map(({ partNumber, etag, size, checksum }) => ({ partNumber, etag, size, ...(checksum && { checksum }) })) },
  };
}
