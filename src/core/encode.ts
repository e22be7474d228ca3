/**
 * RFC 3986 percent-encoding, written once for every place that builds a URL
 * or a signature: key segments (`core/keys.ts`), CDN query strings
 * (`core/urls.ts`) and SigV4's canonical query (`server/presign-fast.ts`).
 */

/**
 * Percent-encode `text` as UTF-8 the RFC 3986 way: only the unreserved
 * characters `A-Z a-z 0-9 - . _ ~` stay literal; everything else, `/` and
 * `! ' ( ) *` included (which `encodeURIComponent` keeps), becomes `%XX` with
 * upper-case hex, as S3 and SigV4 canonicalise it.
 *
 * @throws URIError for a lone surrogate (no UTF-8 encoding); key checks refuse those first.
 */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
