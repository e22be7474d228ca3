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

const SHAPES: Record<Operation, (body: Json) => boolean> = {
  create: (b) =>
    has(b, "key", "string") &&
    (b["mode"] === "single"
      ? has(b, "url", "string") && isObject(b["headers"])
      : b["mode"] === "multipart" &&
        has(b, "uploadId", "string") &&
        has(b, "token", "string") &&
        has(b, "partSize", "number")),
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
