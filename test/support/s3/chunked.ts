/**
 * `aws-chunked` request bodies: what the AWS SDK sends for a streamed body when it adds a
 * flexible checksum (`x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`) or signs chunks
 * (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`). S3 stores the decoded bytes; s3rver would store the
 * framing, so the fixture decodes it first. Chunk signatures and trailing checksums are not
 * verified (the fixture trusts declared payload hashes).
 */
import type { IncomingHttpHeaders } from "node:http";

/** Whether the request body is `aws-chunked` framed. */
export function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  const encoding = headers["content-encoding"] ?? "";
  const sha = headers["x-amz-content-sha256"];
  return /(^|,)\s*aws-chunked\s*(,|$)/i.test(encoding) || (typeof sha === "string" && sha.startsWith("STREAMING-"));
}

/** Decodes `<hex-size>[;ext]\r\n<data>\r\n ... 0[;ext]\r\n[trailers]\r\n`; `undefined` if malformed. */
export function decodeAwsChunked(body: Buffer): Buffer | undefined {
  const chunks: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const lineEnd = body.indexOf("\r\n", pos);
    if (lineEnd === -1) return undefined;
    const sizeText = body.toString("latin1", pos, lineEnd).split(";")[0]?.trim() ?? "";
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) return undefined;
    const size = parseInt(sizeText, 16);
    pos = lineEnd + 2;
    if (size === 0) return Buffer.concat(chunks); // trailers (checksums) follow; not verified
    if (pos + size + 2 > body.length || body.toString("latin1", pos + size, pos + size + 2) !== "\r\n")
      return undefined;
    chunks.push(body.subarray(pos, pos + size));
    pos += size + 2;
  }
}

/** Headers describing the decoded body: no `aws-chunked` encoding, real `Content-Length`. */
export function decodedHeaders(headers: IncomingHttpHeaders, length: number): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers, "content-length": String(length) };
  const encoding = (headers["content-encoding"] ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "" && e.toLowerCase() !== "aws-chunked")
    .join(", ");
  if (encoding === "") delete out["content-encoding"];
  else out["content-encoding"] = encoding;
  delete out["x-amz-decoded-content-length"];
  delete out["x-amz-trailer"];
  return out;
}
