/**
 * `s3edge/server`: the signing endpoint applications mount so that browsers
 * upload straight to S3 without ever holding AWS credentials, plus
 * server-side uploads and object URLs.
 *
 * ```ts
 * import { createSigner, handleS3Edge } from "s3edge/server";
 * const signer = createSigner({ s3: { region: "eu-west-1" }, bucket: "my-bucket", tokenSecret, authorize });
 * export const POST = handleS3Edge(signer);
 * ```
 *
 * Loads in any Web runtime (Node, Deno, Bun, Workers): no top-level `node:` import.
 * The AWS packages it uses are optional peer dependencies, loaded on first use:
 * a missing one is a `ConfigError` with the `npm install` command to run.
 */
export { createSigner } from "./server/signer.js";
export { handleS3Edge } from "./server/handler.js";
export type { HandlerOptions, WebHandler } from "./server/handler.js";
export type { CorsOptions } from "./server/cors.js";
export { toNodeHandler } from "./server/adapters/node.js";
export type { NodeHandler } from "./server/adapters/node.js";
export { SignerError, SERVER_ERROR_STATUS, isSignerError } from "./server/errors.js";
export { S3EdgeError, ConfigError, isS3EdgeError, type ErrorCode } from "./core/errors.js";
export type { SignerErrorOptions } from "./server/errors.js";
export { defaultKeyPolicy } from "./server/op-create.js";
export { sanitizeFilename } from "./core/keys.js";
export { MAX_BODY_BYTES, MAX_COMPLETE_BODY_BYTES } from "./server/body.js";
export type {
  CreateInput,
  ErrorHook,
  ObjectUrls,
  OperationResults,
  OpInput,
  PresignGetOptions,
  ServerUploadBody,
  ServerUploadOptions,
  Signer,
  SignerContext,
  SignerLimits,
  SignerOptions,
  TargetChoice,
  UploadTargetOptions,
  User,
} from "./server/types.js";
export type {
  AbortRequest,
  AbortResponse,
  ChecksumAlgorithm,
  CompleteRequest,
  CompleteResponse,
  CreateFile,
  CreateManyError,
  CreateManyRequest,
  CreateManyResponse,
  CreateMultipartResponse,
  CreateRequest,
  CreateResponse,
  CreateSingleResponse,
  ErrorBody,
  ListRequest,
  ListResponse,
  SignRequest,
  SignResponse,
  SignedPart,
  StoredPart,
  TargetInfo,
  TargetProbe,
  UploadResult,
  UrlRequest,
  UrlResponse,
} from "./core/protocol.js";
export type { ServerErrorCode } from "./core/errors.js";
export type { OriginSpec } from "./core/urls.js";
