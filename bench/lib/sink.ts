/**
 * A loopback S3 "sink": speaks just enough S3 for every upload contender and
 * throws the bytes away, so that an upload's speed is the client's alone.
 *
 * - CreateMultipartUpload (`POST ?uploads`), UploadPart (`PUT ?partNumber&uploadId`,
 *   presigned or SigV4-header signed: signatures are not checked), PutObject,
 *   CompleteMultipartUpload (`POST ?uploadId`, refused when it names a part never
 *   received), AbortMultipartUpload (`DELETE ?uploadId`), HeadObject (the size
 *   of what was stored).
 * - Counts the bytes it received per upload so a run can check that every byte
 *   arrived.
 * - Answers CORS (any origin, `ETag` exposed) so that browsers can PUT to it.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** An upload the sink completed. */
export interface SinkCompletion {
  key: string;
  bytes: number;
  parts: number;
}

/** What the sink saw. */
export interface SinkStats {
  requests: number;
  bytes: number;
  completed: SinkCompletion[];
  /** Requests it refused, e.g. "Complete names part 7, never received". */
  errors: string[];
}

/** A running sink. */
export interface Sink {
  /** `http://127.0.0.1:PORT`: use it as the S3 endpoint, path-style. */
  url: string;
  stats(): SinkStats;
  /** Forget completions and errors (keeps running). */
  reset(): void;
  close(): Promise<void>;
}

const XMLNS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const escapeXml = (s: string): string => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function xml(res: ServerResponse, body: string): void {
  const bytes = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  res.writeHead(200, { "content-type": "application/xml", "content-length": bytes.byteLength }).end(bytes);
}

function error(res: ServerResponse, status: number, code: string, message: string): void {
  const bytes = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`,
  );
  res.writeHead(status, { "content-type": "application/xml", "content-length": bytes.byteLength }).end(bytes);
}

/** Read and discard a body; resolves with its length. */
function drain(req: IncomingMessage): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    req.on("data", (chunk: Buffer) => (bytes += chunk.byteLength));
    req.on("end", () => resolve(bytes));
    req.on("error", reject);
  });
}

function text(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Start a sink on 127.0.0.1 (ephemeral port). */
export async function startSink(): Promise<Sink> {
  const uploads = new Map<string, { key: string; parts: Map<number, number> }>();
  const objects = new Map<string, number>();
  let stats: SinkStats = { requests: 0, bytes: 0, completed: [], errors: [] };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++;
    res.setHeader("access-control-allow-origin", "*");
    res.setHeader("access-control-expose-headers", "ETag");
    if (req.method === "OPTIONS") {
      await drain(req);
      res.writeHead(204, {
        "access-control-allow-methods": "GET, HEAD, PUT, POST, DELETE",
        "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "*",
        "access-control-max-age": "600",
      });
      res.end();
      return;
    }
    const url = new URL(req.url ?? "/", "http://sink");
    const [, bucket = "", ...rest] = url.pathname.split("/");
    const key = decodeURIComponent(rest.join("/"));
    const q = url.searchParams;
    const uploadId = q.get("uploadId");
    const method = req.method ?? "GET";

    if (method === "POST" && q.has("uploads")) {
      await drain(req);
      const id = randomBytes(12).toString("hex");
      uploads.set(id, { key, parts: new Map() });
      xml(
        res,
        `<InitiateMultipartUploadResult ${XMLNS}><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
      );
      return;
    }
    if (method === "PUT" && uploadId !== null) {
      const n = Number(q.get("partNumber"));
      const bytes = await drain(req);
      stats.bytes += bytes;
      const upload = uploads.get(uploadId);
      if (!upload) return error(res, 404, "NoSuchUpload", "The specified upload does not exist.");
      upload.parts.set(n, bytes);
      res
        .writeHead(200, { etag: `"${uploadId.slice(0, 8)}${n.toString(16).padStart(8, "0")}"`, "content-length": 0 })
        .end();
      return;
    }
    if (method === "PUT") {
      const bytes = await drain(req);
      stats.bytes += bytes;
      objects.set(key, bytes);
      res.writeHead(200, { etag: `"${randomBytes(16).toString("hex")}"`, "content-length": 0 }).end();
      return;
    }
    if (method === "POST" && uploadId !== null) {
      const body = await text(req);
      const upload = uploads.get(uploadId);
      if (!upload) return error(res, 404, "NoSuchUpload", "The specified upload does not exist.");
      const numbers = [...body.matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1]));
      let bytes = 0;
      for (const n of numbers) {
        const size = upload.parts.get(n);
        if (size === undefined) {
          stats.errors.push(`Complete of ${upload.key} names part ${n}, never received`);
          return error(res, 400, "InvalidPart", `part ${n} was not uploaded`);
        }
        bytes += size;
      }
      uploads.delete(uploadId);
      objects.set(upload.key, bytes);
      stats.completed.push({ key: upload.key, bytes, parts: numbers.length });
      xml(
        res,
        `<CompleteMultipartUploadResult ${XMLNS}><Location>http://sink/${escapeXml(bucket)}/${escapeXml(key)}</Location><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><ETag>"${uploadId.slice(0, 16)}-${numbers.length}"</ETag></CompleteMultipartUploadResult>`,
      );
      return;
    }
    if (method === "DELETE") {
      await drain(req);
      if (uploadId !== null) uploads.delete(uploadId);
      else objects.delete(key);
      res.writeHead(204).end();
      return;
    }
    if (method === "HEAD" || method === "GET") {
      await drain(req);
      const size = objects.get(key);
      if (size === undefined) return error(res, 404, "NoSuchKey", "The specified key does not exist.");
      res.writeHead(200, { "content-length": method === "HEAD" ? size : 0, etag: '"sink"' }).end();
      return;
    }
    error(res, 405, "MethodNotAllowed", `${method} is not supported by the sink`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      stats.errors.push(String(e));
      if (!res.headersSent) error(res, 500, "InternalError", "sink failed");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => stats,
    reset() {
      stats = { requests: 0, bytes: 0, completed: [], errors: [] };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
