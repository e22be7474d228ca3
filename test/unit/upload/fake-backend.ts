/**
 * A fake signing endpoint and a fake S3 for msw unit tests: enough protocol to
 * upload, with hooks to inject the failures real servers cannot produce on demand.
 */
import { createHash } from "node:crypto";
import { http, HttpResponse, type HttpHandler } from "msw";
import { setupServer, type SetupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";

export const ENDPOINT = "http://app.test/s3edge";

/**
 * The msw server of a test file, started before its tests (an unhandled request is an error),
 * its handlers reset after each test and closed after the file. Call at module scope.
 */
export function useMswServer(): SetupServer {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return server;
}
export const S3 = "http://s3.test/bucket";

export interface PutCall {
  partNumber: number;
  sig: string;
  size: number;
}

export interface FakeBackend {
  handlers: HttpHandler[];
  /** Body of every endpoint call, in order. */
  calls: Array<Record<string, unknown>>;
  puts: PutCall[];
  objects: Map<string, Uint8Array>;
  /** Return a Response to answer a PUT yourself (fault injection); `attempt` counts PUTs of that part from 1. */
  onPut?: (call: PutCall, attempt: number) => Response | Promise<Response | undefined> | undefined;
  /**
   * Return a Response to answer an endpoint call yourself (fault injection), or a promise (hold the
   * call: it is answered normally when the promise resolves to undefined); called with the call's body.
   */
  onCall?: (body: Record<string, unknown>) => Response | undefined | Promise<Response | undefined>;
  /** Called once a PUT is accepted, before its answer is built (the answer's `Date` is read after it). */
  afterPut?: (call: PutCall, attempt: number) => void;
  ops(op: string): Array<Record<string, unknown>>;
}

const s3Error = (status: number, code: string, message: string, headers: Record<string, string> = {}): Response =>
  new HttpResponse(`<?xml version="1.0"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`, {
    status,
    headers: { "content-type": "application/xml", ...headers },
  });
export { s3Error };

export interface FakeBackendOptions {
  partSize?: number;
  threshold?: number;
  /** The servers' clock (epoch ms): answers carry it as `Date`, `expiresAt` counts from it. Default `Date.now`. */
  serverNow?: () => number;
  /** Lifetime of presigned URLs in ms (default 900 000). */
  urlLifetimeMs?: number;
  /**
   * How S3 refuses a URL past its expiry: "aws" (403 AccessDenied "Request has expired"), "rgw" (403
   * AccessDenied, empty message, as Ceph RGW answers), or "none" (expiry not checked, the default).
   */
  expiry?: "aws" | "rgw" | "none";
  /** Echo `x-amz-checksum-crc32` in part answers, as AWS does (default false, like RGW and s3rver). */
  echoChecksum?: boolean;
  /**
   * Answer a create's `signParts` with the first parts' URLs, as this version's signer does
   * (a number: at most that many). Default false: an older server, which ignores `signParts`.
   */
  signOnCreate?: boolean | number;
}

export function fakeBackend(options: FakeBackendOptions = {}): FakeBackend {
  const partSize = options.partSize ?? 5 * 1024 * 1024;
  const threshold = options.threshold ?? 5 * 1024 * 1024;
  const serverNow = options.serverNow ?? Date.now;
  const lifetime = options.urlLifetimeMs ?? 900_000;
  const date = (): Record<string, string> => ({ date: new Date(serverNow()).toUTCString() });
  const uploads = new Map<string, { key: string; parts: Map<number, Uint8Array> }>();
  const attempts = new Map<number, number>();
  let signatures = 0;
  let seq = 0;
  /** Presigned URLs of `parts`, as `sign` answers them (and `create`, in `signed`). */
  const signedUrls = (key: string, uploadId: string, parts: Array<{ partNumber: number; checksum?: string }>) => {
    const expiresAt = serverNow() + lifetime;
    const urls: Record<string, { url: string; headers: Record<string, string> }> = {};
    for (const part of parts) {
      urls[part.partNumber] = {
        url: `${S3}/${key}?uploadId=${uploadId}&partNumber=${part.partNumber}&exp=${expiresAt}&sig=s${++signatures}`,
        headers: part.checksum ? { "x-amz-checksum-crc32": part.checksum } : {},
      };
    }
    return { urls, expiresAt };
  };
  const backend: FakeBackend = {
    calls: [],
    puts: [],
    objects: new Map(),
    ops: (op) => backend.calls.filter((c) => c["op"] === op),
    handlers: [
      http.post(ENDPOINT, async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        backend.calls.push(body);
        const injected = await backend.onCall?.(body);
        if (injected) return injected;
        const key = `uploads/${String(body["filename"] ?? body["key"])}`;
        switch (body["op"]) {
          case "create": {
            const size = body["size"] as number | null;
            if (size !== null && size < threshold) {
              const expiresAt = serverNow() + lifetime;
              return HttpResponse.json(
                {
                  mode: "single",
                  key,
                  url: `${S3}/${key}?exp=${expiresAt}&sig=s${++signatures}`,
                  headers: {},
                  expiresAt,
                  s3Url: `${S3}/${key}`,
                },
                { headers: date() },
              );
            }
            const uploadId = `up${++seq}`;
            uploads.set(uploadId, { key, parts: new Map() });
            const cap = options.signOnCreate === true ? Number.POSITIVE_INFINITY : Number(options.signOnCreate ?? 0);
            const wanted = size !== null ? Math.min(cap, Number(body["signParts"] ?? 0)) : 0;
            const first = Math.min(wanted, size === null ? 0 : Math.max(1, Math.ceil(size / partSize)));
            const signed =
              first > 0
                ? signedUrls(
                    key,
                    uploadId,
                    Array.from({ length: first }, (_, i) => ({ partNumber: i + 1 })),
                  )
                : undefined;
            return HttpResponse.json(
              {
                mode: "multipart",
                key,
                uploadId,
                partSize,
                token: `tok-${uploadId}`,
                expiresAt: serverNow() + 86_400_000,
                s3Url: `${S3}/${key}`,
                ...(signed && { signed }),
              },
              { headers: date() },
            );
          }
          case "sign":
            return HttpResponse.json(
              signedUrls(
                String(body["key"]),
                String(body["uploadId"]),
                body["parts"] as Array<{ partNumber: number; checksum?: string }>,
              ),
              { headers: date() },
            );
          case "list": {
            const upload = uploads.get(String(body["uploadId"]));
            if (!upload)
              return HttpResponse.json(
                { error: { code: "UploadNotFound", message: "no such upload" } },
                { status: 404 },
              );
            return HttpResponse.json({
              parts: [...upload.parts].map(([partNumber, bytes]) => ({
                partNumber,
                etag: etagOf(bytes),
                size: bytes.byteLength,
              })),
            });
          }
          case "complete": {
            const upload = uploads.get(String(body["uploadId"]));
            if (!upload)
              return HttpResponse.json(
                { error: { code: "UploadNotFound", message: "no such upload" } },
                { status: 404 },
              );
            const list = body["parts"] as Array<{ partNumber: number; etag: string }>;
            const chunks = list.map((p) => upload.parts.get(p.partNumber));
            if (chunks.some((c, i) => !c || etagOf(c) !== list[i]?.etag)) {
              return HttpResponse.json({ error: { code: "InvalidPart", message: "bad part" } }, { status: 400 });
            }
            const object = Buffer.concat(chunks as Uint8Array[]);
            backend.objects.set(upload.key, object);
            uploads.delete(String(body["uploadId"]));
            return HttpResponse.json({
              key: upload.key,
              etag: `"${list.length}"`,
              size: object.byteLength,
              s3Url: `${S3}/${upload.key}`,
            });
          }
          case "abort":
            uploads.delete(String(body["uploadId"]));
            return HttpResponse.json({ ok: true });
          default:
            return HttpResponse.json({ error: { code: "BadRequest", message: "op" } }, { status: 400 });
        }
      }),
      http.put(`${S3}/*`, async ({ request }) => {
        const url = new URL(request.url);
        const bytes = new Uint8Array(await request.arrayBuffer());
        const partNumber = Number(url.searchParams.get("partNumber") ?? 0);
        const call: PutCall = { partNumber, sig: url.searchParams.get("sig") ?? "", size: bytes.byteLength };
        backend.puts.push(call);
        const attempt = (attempts.get(partNumber) ?? 0) + 1;
        attempts.set(partNumber, attempt);
        const injected = await backend.onPut?.(call, attempt);
        if (injected) return injected;
        const expired = Number(url.searchParams.get("exp")) <= serverNow();
        if (expired && options.expiry === "aws") return s3Error(403, "AccessDenied", "Request has expired", date());
        if (expired && options.expiry === "rgw") return s3Error(403, "AccessDenied", "", date());
        const uploadId = url.searchParams.get("uploadId");
        if (uploadId) {
          const upload = uploads.get(uploadId);
          if (!upload) return s3Error(404, "NoSuchUpload", "The specified upload does not exist");
          upload.parts.set(partNumber, bytes);
        } else {
          backend.objects.set(decodeURIComponent(url.pathname.slice(new URL(S3).pathname.length + 1)), bytes);
        }
        backend.afterPut?.(call, attempt);
        const checksum = request.headers.get("x-amz-checksum-crc32");
        const echo = options.echoChecksum && checksum ? { "x-amz-checksum-crc32": checksum } : {};
        return new HttpResponse(null, { status: 200, headers: { etag: etagOf(bytes), ...date(), ...echo } });
      }),
    ],
  };
  return backend;
}

export function etagOf(bytes: Uint8Array): string {
  return `"${createHash("md5").update(bytes).digest("hex")}"`;
}

/** Deterministic pseudo-random bytes. */
export { pseudoRandomBytes as bytes } from "../../support/data.js";
