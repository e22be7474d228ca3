/**
 * `createSigner`: the signing service of `s3edge/server`. Its methods are the
 * protocol's operations (what `handleS3Edge` dispatches to) plus server-side
 * helpers; every operation throws {@link SignerError} and nothing else.
 */
import { keyProblem } from "../core/keys.js";
import type { UrlResponse } from "../core/protocol.js";
import { createCore } from "./context.js";
import type { SignerCore } from "./context.js";
import { SignerError, toSignerError } from "./errors.js";
import { createUpload } from "./op-create.js";
import { abortUpload, completeUpload, listParts, signParts } from "./op-multipart.js";
import { presignGetObject } from "./presign.js";
import type { Signer, SignerContext, SignerOptions, User } from "./types.js";
import { isRecord } from "./validate.js";
import { serverUpload } from "./upload.js";

/** What `handleS3Edge` needs of a signer beyond its public methods. */
export interface SignerInternals {
  onError: SignerOptions["onError"];
}

const internals = new WeakMap<Signer, SignerInternals>();

/** The internals of a signer made by {@link createSigner} (`undefined` for another object). */
export function signerInternals(signer: Signer): SignerInternals | undefined {
  return internals.get(signer);
}

/** Run an operation so that it only ever throws a SignerError. */
async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toSignerError(error);
  }
}

async function authorize(core: SignerCore, request: Request): Promise<User> {
  let user: User | null | undefined;
  try {
    user = await core.options.authorize(request);
  } catch (error) {
    if (error instanceof SignerError) throw error;
    throw new SignerError("NotAuthorized", "not authorized", { cause: error });
  }
  if (!isRecord(user) || typeof user.id !== "string" || user.id === "") {
    throw new SignerError("NotAuthorized", "not authorized");
  }
  return user;
}

async function presignGet(core: SignerCore, key: string, expiresIn?: number): Promise<UrlResponse> {
  const problem = typeof key === "string" ? keyProblem(key) : "key must be a string";
  if (problem !== undefined) throw new SignerError("InvalidKey", `invalid key: ${problem}`);
  if (expiresIn !== undefined && (!Number.isSafeInteger(expiresIn) || expiresIn < 1 || expiresIn > 604_800)) {
    throw new SignerError("BadRequest", "expiresIn must be an integer number of seconds from 1 to 604800");
  }
  await core.ready();
  const timing = core.timing(expiresIn);
  const url = await presignGetObject(core.client, core.bucket, key, timing);
  return { url, expiresAt: timing.expiresAt };
}

async function readUrl(core: SignerCore, req: unknown, ctx: SignerContext): Promise<UrlResponse> {
  const { read } = core.options;
  if (read === undefined) {
    throw new SignerError("NotAuthorized", "reading through this endpoint is not enabled", { status: 403 });
  }
  const key = isRecord(req) ? req.key : undefined;
  if (typeof key !== "string") throw new SignerError("BadRequest", "key must be a string");
  const problem = keyProblem(key);
  if (problem !== undefined) throw new SignerError("InvalidKey", `invalid key: ${problem}`);
  if ((await read(key, ctx)) !== true) {
    throw new SignerError("NotAuthorized", "not allowed to read this key", { status: 403 });
  }
  return presignGet(core, key);
}

/**
 * Create the signing service. Throws (TypeError) at once on a misconfiguration:
 * missing `authorize`, a `tokenSecret` shorter than 32 bytes, an invalid bucket
 * name or limits S3 cannot honour.
 */
export function createSigner(options: SignerOptions): Signer {
  const core = createCore(options);
  const signer: Signer = {
    bucket: core.bucket,
    client: core.client,
    authorize: (request) => guarded(() => authorize(core, request)),
    create: (req, ctx) => guarded(() => createUpload(core, req, ctx)),
    sign: (req, ctx) => guarded(() => signParts(core, req, ctx)),
    list: (req, ctx) => guarded(() => listParts(core, req, ctx)),
    complete: (req, ctx) => guarded(() => completeUpload(core, req, ctx)),
    abort: (req, ctx) => guarded(() => abortUpload(core, req, ctx)),
    url: (req, ctx) => guarded(() => readUrl(core, req, ctx)),
    getUrl: (key) => core.urlsSync(key),
    presignGet: (key, expiresIn) => guarded(() => presignGet(core, key, expiresIn)),
    upload: (key, body, uploadOptions) => serverUpload(core, key, body, uploadOptions),
  };
  internals.set(signer, { onError: options.onError });
  return Object.freeze(signer);
}
