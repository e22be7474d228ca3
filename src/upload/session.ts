/**
 * Opening an upload on the server: continue a stored multipart upload of the
 * same source when there is one and S3 still has it (`resume.ts`, loaded only
 * then), else `create` a new one.
 */
import { MAX_PARTS_PER_SIGN } from "../core/protocol.js";
import type { ChecksumAlgorithm, CreateResponse, SignResponse, StoredPart, UploadRef } from "../core/protocol.js";
import type { EndpointCall } from "../endpoint/client.js";
import type { CreateCall } from "./create-queue.js";
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
      /** URLs of the first parts, signed with the `create` answer (in memory only, never stored). */
      signed?: SignResponse;
    };

let probe: Promise<typeof import("./region-probe.js")> | undefined;
/** The nearest-target probe (`region-probe.ts`), loaded once a signer named several targets. */
const loadProbe = (): Promise<typeof import("./region-probe.js")> => (probe ??= import("./region-probe.js"));

/**
 * The target the probe measured nearest (bounded wait), when targets are known here or were stored
 * by an earlier page; else `undefined` at once (nothing to wait for before `create`).
 */
function preferredTarget(): Promise<string | undefined> | undefined {
  try {
    return probe || globalThis.localStorage?.getItem("s3edge:upload-targets")
      ? loadProbe()
          .then((m) => m.regionProbe.preferred())
          .catch(() => undefined)
      : undefined;
  } catch {
    return undefined; // no storage: no preference
  }
}

/** What {@link openSession} needs. */
export interface OpenSessionOptions {
  call: EndpointCall;
  /** Sends this upload's `create` (alone, or with other files in one `createMany`). */
  create: CreateCall;
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

/** Resume a stored upload of the same source, or create a new one. */
export async function openSession(o: OpenSessionOptions): Promise<Session> {
  const { source, store } = o;
  const fingerprint = store && source.kind === "random" ? source.fingerprint : undefined;
  // A store that knows synchronously it has no record is not awaited: with nothing else to wait
  // for, the `create` request leaves in the caller's task.
  if (store && fingerprint && source.kind === "random" && store.has?.(fingerprint) !== false) {
    // The resume code is loaded only when the store holds something for this source.
    const raw: unknown = await Promise.resolve()
      .then(() => store.get(fingerprint))
      .catch(() => undefined); // a store that cannot be read means no resume
    if (raw !== undefined && raw !== null) {
      const resumed = await (await import("./resume.js")).resumeStored(o, store, fingerprint, raw, source.size);
      if (resumed) return resumed;
    }
  }

  // One id for this upload's create, sent again on each retry: the server then answers the same
  // upload instead of starting a second one when an answer was lost (crypto.randomUUID needs a secure context).
  const requestId = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
  const preferring = preferredTarget();
  const target = preferring && (await preferring);
  let tries = 0;
  const created = await o.attempt(() =>
    o.create(
      {
        requestId,
        // Sent again: the server then looks for the upload the first attempt may have started.
        ...(tries++ > 0 && { retry: true }),
        filename: o.filename,
        contentType: o.contentType,
        size: source.size,
        ...(o.metadata && { metadata: o.metadata }),
        ...(o.checksum && { checksum: o.checksum }),
        ...(o.partSize && { partSize: o.partSize }),
        ...(target && { target }),
        // The first parts' URLs come with the answer (a server that predates this ignores it).
        ...(!o.checksum && source.size !== null && { signParts: MAX_PARTS_PER_SIGN }),
      },
      o.signal,
    ),
  );
  if (created.targets)
    loadProbe().then(
      (m) => m.regionProbe.learn(created.targets),
      () => undefined,
    );
  if (created.mode === "single") return { ...created, resumed: false };
  const { key, uploadId, token, partSize, expiresAt, signed } = created;
  const session: Session = {
    mode: "multipart",
    key,
    ref: { key, uploadId, token },
    partSize,
    expiresAt,
    done: [],
    resumed: false,
    ...(signed && { signed }),
  };
  if (store && fingerprint && source.size !== null) {
    session.record = {
      v: 1, // ResumeRecord["v"]: the type holds the version this build writes
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
      ...(created.target && { target: created.target }),
      parts: [],
    };
    await store.set(session.record).catch(() => undefined); // no resume after a reload, the upload goes on
  }
  return session;
}
