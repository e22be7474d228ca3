/**
 * The multipart operations s3rver 3.7.1 lacks (ListParts, ListMultipartUploads,
 * AbortMultipartUpload) and the checks S3 makes before CompleteMultipartUpload, answered from
 * s3rver's on-disk store (see uploads.ts).
 */
import type { UploadInfo, UploadStore } from "./uploads.js";
import { elementTexts, resultDocument, unescapeXml, type S3ErrorSpec, type XmlNode } from "./xml.js";

/** A successful answer produced by the fixture itself. */
export interface Answer {
  status: number;
  body?: string;
}

/** Either a result or an S3 error. */
export type Outcome = { ok: true; answer: Answer } | { ok: false; error: S3ErrorSpec };

const OWNER: XmlNode[] = [
  ["ID", "123456789000"],
  ["DisplayName", "S3rver"],
];

/** 404 `NoSuchUpload`, as S3 answers it. */
export function noSuchUpload(uploadId: string): S3ErrorSpec {
  return {
    status: 404,
    code: "NoSuchUpload",
    message:
      "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    detail: { UploadId: uploadId },
  };
}

/** The upload when it exists and belongs to `key` (S3 treats a key mismatch as an unknown upload). */
export async function findUpload(store: UploadStore, key: string, uploadId: string): Promise<UploadInfo | undefined> {
  const upload = await store.get(uploadId);
  return upload && upload.key === key ? upload : undefined;
}

function intParam(query: URLSearchParams, name: string, fallback: number): number | S3ErrorSpec {
  const raw = query.get(name);
  if (raw === null || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) {
    return {
      status: 400,
      code: "InvalidArgument",
      message: `Provided ${name} not an integer or within integer range`,
      detail: { ArgumentName: name, ArgumentValue: raw },
    };
  }
  return Number(raw);
}

function encodeKey(key: string, encodingType: string | null): string {
  return encodingType === "url" ? encodeURIComponent(key) : key;
}

/** ListParts: `GET /bucket/key?uploadId=...[&max-parts=n][&part-number-marker=m]`. */
export async function listParts(
  store: UploadStore,
  key: string,
  uploadId: string,
  query: URLSearchParams,
): Promise<Outcome> {
  if (!(await findUpload(store, key, uploadId))) return { ok: false, error: noSuchUpload(uploadId) };
  const maxParts = intParam(query, "max-parts", 1000);
  if (typeof maxParts !== "number") return { ok: false, error: maxParts };
  const marker = intParam(query, "part-number-marker", 0);
  if (typeof marker !== "number") return { ok: false, error: marker };
  const after = (await store.parts(uploadId)).filter((part) => part.partNumber > marker);
  const page = after.slice(0, Math.min(maxParts, 1000));
  const truncated = after.length > page.length;
  const last = page.at(-1);
  const encodingType = query.get("encoding-type");
  const body = resultDocument("ListPartsResult", [
    ["Bucket", store.bucket],
    ["Key", encodeKey(key, encodingType)],
    ["UploadId", uploadId],
    ["Initiator", OWNER],
    ["Owner", OWNER],
    ["StorageClass", "STANDARD"],
    ["PartNumberMarker", marker],
    ["NextPartNumberMarker", last ? last.partNumber : marker],
    ["MaxParts", maxParts],
    ["IsTruncated", truncated],
    encodingType === "url" ? ["EncodingType", "url"] : undefined,
    ...page.map(
      (part): XmlNode => [
        "Part",
        [
          ["PartNumber", part.partNumber],
          ["LastModified", part.lastModified.toISOString()],
          ["ETag", part.etag],
          ["Size", part.size],
        ],
      ],
    ),
  ]);
  return { ok: true, answer: { status: 200, body } };
}

/** ListMultipartUploads: `GET /bucket?uploads[&prefix=][&max-uploads=][&key-marker=][&upload-id-marker=]`. */
export async function listMultipartUploads(store: UploadStore, query: URLSearchParams): Promise<Outcome> {
  const maxUploads = intParam(query, "max-uploads", 1000);
  if (typeof maxUploads !== "number") return { ok: false, error: maxUploads };
  const prefix = query.get("prefix") ?? "";
  const keyMarker = query.get("key-marker") ?? "";
  const uploadIdMarker = query.get("upload-id-marker") ?? "";
  const all = (await store.list()).filter((upload) => upload.key.startsWith(prefix));
  let start = 0;
  if (keyMarker !== "") {
    const markerIndex =
      uploadIdMarker === "" ? -1 : all.findIndex((u) => u.key === keyMarker && u.uploadId === uploadIdMarker);
    start = markerIndex !== -1 ? markerIndex + 1 : all.findIndex((u) => u.key > keyMarker);
    if (start === -1) start = all.length;
  }
  const rest = all.slice(start);
  const page = rest.slice(0, Math.min(maxUploads, 1000));
  const truncated = rest.length > page.length;
  const last = page.at(-1);
  const encodingType = query.get("encoding-type");
  const body = resultDocument("ListMultipartUploadsResult", [
    ["Bucket", store.bucket],
    ["KeyMarker", encodeKey(keyMarker, encodingType)],
    ["UploadIdMarker", uploadIdMarker],
    ["NextKeyMarker", last ? encodeKey(last.key, encodingType) : ""],
    ["NextUploadIdMarker", last ? last.uploadId : ""],
    ["Prefix", encodeKey(prefix, encodingType)],
    ["MaxUploads", maxUploads],
    ["IsTruncated", truncated],
    encodingType === "url" ? ["EncodingType", "url"] : undefined,
    ...page.map(
      (upload): XmlNode => [
        "Upload",
        [
          ["Key", encodeKey(upload.key, encodingType)],
          ["UploadId", upload.uploadId],
          ["Initiator", OWNER],
          ["Owner", OWNER],
          ["StorageClass", "STANDARD"],
          ["Initiated", upload.initiated.toISOString()],
        ],
      ],
    ),
  ]);
  return { ok: true, answer: { status: 200, body } };
}

/** AbortMultipartUpload: `DELETE /bucket/key?uploadId=...` -> 204, parts removed. */
export async function abortMultipartUpload(store: UploadStore, key: string, uploadId: string): Promise<Outcome> {
  if (!(await findUpload(store, key, uploadId))) return { ok: false, error: noSuchUpload(uploadId) };
  await store.remove(uploadId);
  return { ok: true, answer: { status: 204 } };
}

/** A part as named in a CompleteMultipartUpload body. */
export interface CompletePart {
  partNumber: number;
  /** ETag without quotes. */
  etag: string;
}

/** Parts named in a CompleteMultipartUpload XML body, in document order; `undefined` if malformed. */
export function parseCompleteBody(xml: string): CompletePart[] | undefined {
  if (!/<CompleteMultipartUpload[\s>]/.test(xml)) return undefined;
  const parts = elementTexts(xml, "Part").map((inner) => {
    const number = elementTexts(inner, "PartNumber")[0]?.trim() ?? "";
    const etag = unescapeXml(elementTexts(inner, "ETag")[0] ?? "")
      .replace(/"/g, "")
      .trim();
    return /^\d+$/.test(number) && etag !== "" ? { partNumber: Number(number), etag } : undefined;
  });
  if (parts.length === 0 || parts.some((part) => part === undefined)) return undefined;
  return parts as CompletePart[];
}

const MALFORMED: S3ErrorSpec = {
  status: 400,
  code: "MalformedXML",
  message: "The XML you provided was not well-formed or did not validate against our published schema",
};

/**
 * The checks S3 makes before assembling an object, in S3's order: known upload, ascending part
 * numbers, every part uploaded with that ETag, every part but the last at least `minPartSize`.
 * Returns `undefined` when the Complete may go ahead.
 */
export async function checkComplete(
  store: UploadStore,
  key: string,
  uploadId: string,
  xml: string,
  minPartSize: number,
): Promise<S3ErrorSpec | undefined> {
  if (!(await findUpload(store, key, uploadId))) return noSuchUpload(uploadId);
  const requested = parseCompleteBody(xml);
  if (!requested) return MALFORMED;
  for (let i = 1; i < requested.length; i++) {
    if ((requested[i]?.partNumber ?? 0) <= (requested[i - 1]?.partNumber ?? 0)) {
      return {
        status: 400,
        code: "InvalidPartOrder",
        message:
          "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
        detail: { UploadId: uploadId },
      };
    }
  }
  const stored = new Map((await store.parts(uploadId)).map((part) => [part.partNumber, part]));
  for (const part of requested) {
    const found = stored.get(part.partNumber);
    if (!found || found.etag.replace(/"/g, "").toLowerCase() !== part.etag.toLowerCase()) {
      return {
        status: 400,
        code: "InvalidPart",
        message:
          "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        detail: { UploadId: uploadId, PartNumber: String(part.partNumber), ETag: part.etag },
      };
    }
  }
  for (const part of requested.slice(0, -1)) {
    const size = stored.get(part.partNumber)?.size ?? 0;
    if (size < minPartSize) {
      return {
        status: 400,
        code: "EntityTooSmall",
        message: "Your proposed upload is smaller than the minimum allowed size",
        detail: {
          ProposedSize: String(size),
          MinSizeAllowed: String(minPartSize),
          PartNumber: String(part.partNumber),
          ETag: part.etag,
        },
      };
    }
  }
  return undefined;
}
