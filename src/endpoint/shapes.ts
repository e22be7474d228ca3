/**
 * Minimal shape checks of the signing endpoint's answers: enough to turn a
 * wrong endpoint (an HTML login page, another API) into a clear error instead
 * of a crash later.
 */
import type { Operation, ProtocolResponses } from "../core/protocol.js";

type Json = Record<string, unknown>;
/** True for a JSON object (or array): something whose fields can be read. */
export const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null;
const has = (value: Json, field: string, type: "string" | "number"): boolean => typeof value[field] === type;

const isCreateAnswer = (b: Json): boolean =>
  has(b, "key", "string") &&
  (b["mode"] === "single"
    ? has(b, "url", "string") && isObject(b["headers"])
    : b["mode"] === "multipart" &&
      has(b, "uploadId", "string") &&
      has(b, "token", "string") &&
      has(b, "partSize", "number"));

/** A file's result in a `createMany` answer: a `create` answer, or an error with its status. */
const isFileResult = (r: unknown): boolean =>
  isObject(r) &&
  (isObject(r["error"]) ? has(r["error"], "code", "string") && has(r, "status", "number") : isCreateAnswer(r));

const SHAPES: Record<Operation, (body: Json) => boolean> = {
  create: isCreateAnswer,
  createMany: (b) => Array.isArray(b["results"]) && b["results"].every(isFileResult),
  sign: (b) => isObject(b["urls"]) && has(b, "expiresAt", "number"),
  list: (b) => Array.isArray(b["parts"]),
  complete: (b) => has(b, "key", "string") && has(b, "etag", "string"),
  abort: () => true,
  url: (b) => has(b, "url", "string"),
};

/** True when `json` has the shape of the answer to `op`. */
export function isProtocolAnswer<O extends Operation>(op: O, json: unknown): json is ProtocolResponses[O] {
  return isObject(json) && SHAPES[op](json);
}
