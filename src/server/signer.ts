/**
 * `createSigner`: the signing service of `s3edge/server`. Its methods are the
 * protocol's operations (what `handleS3Edge` dispatches to, through one
 * table) plus server-side helpers; every operation throws {@link SignerError}
 * and nothing else. A misconfiguration throws a `ConfigError` at construction,
 * except `bucket` and `tokenSecret` when they are absent (see `options.ts`).
 */
import type { Operation } from "../core/protocol.js";
import { ConfigError, isS3EdgeError } from "../core/errors.js";
import { createCore } from "./context.js";
import type { SignerCore } from "./context.js";
import { SignerError, internalError, isSignerError, toSignerError } from "./errors.js";
import { OPERATIONS, presignGet } from "./operations.js";
import type { ModuleLoader } from "./sdk.js";
import type { OperationResults, PresignGetOptions, Signer, SignerContext, SignerOptions, User } from "./types.js";
import { isRecord } from "./validate.js";
import { serverUpload } from "./upload.js";

/** Run an operation so that it only ever throws a SignerError. */
async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toSignerError(error);
  }
}

/**
 * The application's `authorize`: no user is 401; a SignerError it throws keeps its code; any
 * other exception (its database is down) is a 500 that gets logged, not a 401 that hides it.
 */
async function authorize(core: SignerCore, request: Request): Promise<User> {
  let user: User | null | undefined;
  try {
    user = await core.options.authorize(request);
  } catch (error) {
    if (isSignerError(error)) throw error;
    throw internalError(error);
  }
  if (!isRecord(user) || typeof user.id !== "string" || user.id === "") {
    throw new SignerError("NotAuthorized", "not authorized");
  }
  return user;
}

function lifetimeOf(options: PresignGetOptions | number | undefined): number | undefined {
  if (typeof options === "number") return options * 1000; // deprecated: seconds
  if (options === undefined || options === null) return undefined;
  if (typeof options !== "object")
    throw new SignerError("BadRequest", "presignGet options must be an object: { expiresInMs }");
  return options.expiresInMs;
}

/** {@link createSigner} with the package loader injected (tests simulate a missing package with it). */
export function buildSigner(options: SignerOptions, load?: ModuleLoader): Signer {
  const core = createCore(options, load);
  const run = <O extends Operation>(op: O, input: unknown, ctx: SignerContext): Promise<OperationResults[O]> =>
    guarded(async () => {
      if (!Object.hasOwn(OPERATIONS, op)) throw new SignerError("BadRequest", "unknown operation");
      return OPERATIONS[op](await core.runtime(), input, ctx);
    });
  const objectUrls: Signer["objectUrls"] = (key) => core.objectUrls(key);
  const signer: Signer = {
    get bucket() {
      return core.bucket();
    },
    get client() {
      const client = core.builtClient();
      if (client === undefined) {
        throw new ConfigError(
          "client",
          "signer.client does not exist before the first request (the AWS SDK is loaded on first use): use `await signer.getClient()`",
        );
      }
      return client;
    },
    getClient: async () => (await core.runtime()).aws.client,
    authorize: (request) => guarded(() => authorize(core, request)),
    run,
    create: (req, ctx) => run("create", req, ctx),
    createMany: (req, ctx) => run("createMany", req, ctx),
    sign: (req, ctx) => run("sign", req, ctx),
    list: (req, ctx) => run("list", req, ctx),
    complete: (req, ctx) => run("complete", req, ctx),
    abort: (req, ctx) => run("abort", req, ctx),
    url: (req, ctx) => run("url", req, ctx),
    objectUrls,
    getUrl: objectUrls,
    presignGet: (key: string, options?: PresignGetOptions | number) =>
      guarded(async () => presignGet(await core.runtime(), key, lifetimeOf(options))),
    upload: (key, body, uploadOptions) =>
      serverUpload(core, key, body, uploadOptions).catch((error: unknown) => {
        throw isS3EdgeError(error) ? error : toSignerError(error);
      }),
    onError: core.options.onError,
  };
  return Object.freeze(signer);
}

/**
 * Create the signing service. Throws a `ConfigError` (naming the option) at
 * once on a misconfiguration: missing `authorize` or `s3`, a `tokenSecret`
 * shorter than 32 bytes, an invalid bucket name, limits S3 cannot honour, both
 * a `*Ms` option and its deprecated alias. An absent `bucket` or `tokenSecret`
 * (a build without environment variables) is checked at the first request instead.
 */
export function createSigner(options: SignerOptions): Signer {
  return buildSigner(options);
}
