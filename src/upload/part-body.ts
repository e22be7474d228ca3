/** Helpers on part bodies, shared by the transports and the PUT logic. */
import type { PartBody } from "./types.js";

/** Size of a part body in bytes. */
export const sizeOf = (body: PartBody): number => (body instanceof Uint8Array ? body.byteLength : body.size);
