/**
 * node:http(s) transport (the Node default): keep-alive sockets reused across
 * parts, byte-level progress from write callbacks, no copy of part buffers, and
 * an exact Content-Length (S3 checks it against the signed size).
 */
import http from "node:http";
import https from "node:https";
import { NetworkError } from "../../core/errors.js";
import { sizeOf } from "../part-body.js";
import type { PartBody, Transport } from "../types.js";

const CHUNK = 1 << 20;

async function* chunks(body: PartBody): AsyncGenerator<Uint8Array> {
  if (body instanceof Uint8Array) {
    for (let i = 0; i < body.byteLength || i === 0; i += CHUNK) yield body.subarray(i, i + CHUNK);
    return;
  }
  for await (const chunk of body.stream() as unknown as AsyncIterable<Uint8Array>) yield chunk;
}

/** Options of {@link nodeHttpTransport}. */
export interface NodeHttpTransportOptions {
  /** Sockets per host (default 16; the uploader's concurrency is the real limit). */
  maxSockets?: number;
}

/** Send parts with node:http/https over keep-alive agents. */
export function nodeHttpTransport(options: NodeHttpTransportOptions = {}): Transport {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 16 };
  const agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };
  return {
    reportsProgress: true,
    put({ url, headers, body, signal, onProgress }) {
      return new Promise((resolve, reject) => {
        const target = new URL(url);
        const secure = target.protocol === "https:";
        const size = sizeOf(body);
        let settled = false;
        const fail = (error: unknown): void => {
          if (settled) return;
          settled = true;
          reject(
            signal.aborted ? signal.reason : new NetworkError("PUT to S3 failed before an answer", { cause: error }),
          );
        };
        const request = (secure ? https : http).request(target, {
          method: "PUT",
          headers: { ...headers, "content-length": String(size) },
          agent: secure ? agents.https : agents.http,
          signal,
        });
        request.on("error", fail);
        request.on("response", (response) => {
          const parts: Buffer[] = [];
          response.on("data", (chunk: Buffer) => parts.push(chunk));
          response.on("error", fail);
          response.on("end", () => {
            if (settled) return;
            settled = true;
            const status = response.statusCode ?? 0;
            const header = (name: string): string | null => {
              const value = response.headers[name.toLowerCase()];
              return value === undefined ? null : String(value);
            };
            resolve({ status, etag: header("etag"), body: Buffer.concat(parts).toString("utf8"), header });
          });
        });
        (async () => {
          let sent = 0;
          for await (const chunk of chunks(body)) {
            if (request.destroyed) return;
            await new Promise<void>((done, error) => request.write(chunk, (e) => (e ? error(e) : done())));
            sent += chunk.byteLength;
            onProgress(sent);
          }
          request.end();
        })().catch(fail);
      });
    },
  };
}
