/**
 * The bucket CORS configuration the fixture installs, and the CORS headers it adds to the answers
 * it writes itself (S3 sends CORS headers on errors too, so a browser can read a 403).
 */

/** Headers the CORS rule exposes to browsers. */
export function exposedHeaders(exposeETag: boolean): string[] {
  return [...(exposeETag ? ["ETag"] : []), "x-amz-checksum-crc32", "x-amz-request-id"];
}

/** Max-Age of the CORS rule, in seconds. */
export const CORS_MAX_AGE_SECONDS = 3000;

/** The CORS XML s3rver is configured with: any origin, GET/PUT/POST/HEAD/DELETE, any header. */
export function corsConfigXml(exposeETag: boolean): string {
  const methods = ["GET", "PUT", "POST", "HEAD", "DELETE"].map((m) => `<AllowedMethod>${m}</AllowedMethod>`).join("");
  const expose = exposedHeaders(exposeETag)
    .map((h) => `<ExposeHeader>${h}</ExposeHeader>`)
    .join("");
  return (
    "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>" +
    `${methods}<AllowedHeader>*</AllowedHeader>${expose}` +
    `<MaxAgeSeconds>${CORS_MAX_AGE_SECONDS}</MaxAgeSeconds></CORSRule></CORSConfiguration>`
  );
}

/** CORS headers for a non-preflight answer written by the fixture, when the request has an Origin. */
export function corsHeaders(origin: string | undefined, exposeETag: boolean): Record<string, string> {
  if (!origin) return {};
  return {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": exposedHeaders(exposeETag).join(", "),
    "Access-Control-Max-Age": String(CORS_MAX_AGE_SECONDS),
    Vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
  };
}
