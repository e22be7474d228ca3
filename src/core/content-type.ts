/**
 * The content-type rule of `limits.contentTypes`, shared by the signer and the
 * drop zone so that a file the server would refuse is refused before upload.
 */

/** SVG can carry script: `image/*` does not admit it; list it by name to allow it. */
export const SVG_TYPE = "image/svg+xml";

/**
 * Whether the bare media type `type` (lower-case `type/subtype`, no parameters)
 * matches `pattern`: `"*\/*"`, the type itself, or `"major/*"` (never SVG).
 */
export function contentTypeMatches(pattern: string, type: string): boolean {
  const major = type.slice(0, type.indexOf("/"));
  return pattern === "*/*" || pattern === type || (pattern === `${major}/*` && type !== SVG_TYPE);
}
