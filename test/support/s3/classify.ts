/**
 * Names the S3 operation of a path-style request (`/<bucket>/<key>?<query>`), for routing,
 * request logs and interceptors.
 */

/** S3 operations the fixture tells apart; anything else is `"Other"`. */
export type S3Operation =
  | "PutObject"
  | "UploadPart"
  | "CreateMultipartUpload"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "ListParts"
  | "ListMultipartUploads"
  | "GetObject"
  | "HeadObject"
  | "Preflight"
  | "Other";

/** A request as the fixture understands it. */
export interface ClassifiedRequest {
  method: string;
  /** Bucket from the path, `""` for the service root. */
  bucket: string;
  /** Decoded object key, `""` for bucket-level requests. */
  key: string;
  operation: S3Operation;
  partNumber: number | undefined;
  uploadId: string | undefined;
  /** Decoded query parameters (first value of each name). */
  query: Record<string, string>;
  /** The same parameters for lookups that care about presence (`?uploads`). */
  params: URLSearchParams;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function operationOf(method: string, key: string, params: URLSearchParams): S3Operation {
  const hasUploadId = params.has("uploadId");
  if (method === "OPTIONS") return "Preflight";
  if (key === "") return method === "GET" && params.has("uploads") ? "ListMultipartUploads" : "Other";
  switch (method) {
    case "PUT":
      if (hasUploadId) return params.has("partNumber") ? "UploadPart" : "Other";
      return params.has("tagging") || params.has("acl") ? "Other" : "PutObject";
    case "POST":
      if (params.has("uploads")) return "CreateMultipartUpload";
      return hasUploadId ? "CompleteMultipartUpload" : "Other";
    case "DELETE":
      return hasUploadId ? "AbortMultipartUpload" : "Other";
    case "GET":
      if (hasUploadId) return "ListParts";
      return params.has("tagging") || params.has("acl") ? "Other" : "GetObject";
    case "HEAD":
      return "HeadObject";
    default:
      return "Other";
  }
}

/** Classifies a raw request target (`req.url`) and method. */
export function classify(method: string, rawUrl: string): ClassifiedRequest {
  const q = rawUrl.indexOf("?");
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  // URLSearchParams reads a raw `+` as a space, like sigv4.ts's parseQuery.
  const params = new URLSearchParams(q === -1 ? "" : rawUrl.slice(q + 1));
  const [, bucketSegment = "", ...keySegments] = rawPath.split("/");
  const bucket = decodeSegment(bucketSegment);
  const key = keySegments.map(decodeSegment).join("/");
  const upperMethod = method.toUpperCase();
  const partRaw = params.get("partNumber");
  const query: Record<string, string> = {};
  for (const [name, value] of params) if (!(name in query)) query[name] = value;
  return {
    method: upperMethod,
    bucket,
    key,
    operation: operationOf(upperMethod, key, params),
    partNumber: partRaw !== null && /^\d+$/.test(partRaw) ? Number(partRaw) : undefined,
    uploadId: params.get("uploadId") ?? undefined,
    query,
    params,
  };
}
