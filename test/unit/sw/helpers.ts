/** A fake network for the worker's unit tests: per host, an answer, an error, or silence until aborted. */
import { vi } from "vitest";
import type { FetchEventLike } from "../../../src/sw/types.js";

export const CDN = "https://cdn.test/media";
export const CDN2 = "https://cdn2.test/media";
export const S3 = "https://s3.test";
export const BUCKET = "bucket";
export const origin = { endpoint: S3, bucket: BUCKET };

/** What a host does with a request. */
export type Behaviour = (request: Request) => Response | Promise<Response> | "hang" | "error";

/** A request as the network saw it. */
export interface Seen {
  url: string;
  host: string;
  mode: RequestMode;
  credentials: RequestCredentials;
  range: string | null;
}

/** Install a fake global `fetch`: `hosts` maps a host to its behaviour (unknown hosts: an error). */
export function network(hosts: Record<string, Behaviour>): { seen: Seen[]; set(host: string, b: Behaviour): void } {
  const seen: Seen[] = [];
  const table = { ...hosts };
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const host = new URL(request.url).host;
    seen.push({
      url: request.url,
      host,
      mode: request.mode,
      credentials: request.credentials,
      range: request.headers.get("range"),
    });
    const behaviour = table[host] ?? (() => "error");
    const answer = await behaviour(request);
    if (answer === "error") throw new TypeError("fetch failed");
    if (answer === "hang") {
      return new Promise<Response>((_, reject) => {
        request.signal.addEventListener("abort", () => reject(request.signal.reason));
      });
    }
    return answer;
  });
  return { seen, set: (host, b) => void (table[host] = b) };
}

/** A body of `size` bytes whose byte i is i % 251. */
export const bytes = (size: number, from = 0): Uint8Array =>
  Uint8Array.from({ length: size }, (_, i) => (i + from) % 251);

/** A 200/206 answer of `data` (from byte `from` of an object of `size`) honouring a `Range` header. */
export function serveBytes(data: Uint8Array, headers: Record<string, string> = {}): Behaviour {
  return (request) => {
    const m = /^bytes=(\d+)-(\d*)$/.exec(request.headers.get("range") ?? "");
    if (!m)
      return new Response(data.slice(), {
        status: 200,
        headers: { "content-length": String(data.length), ...headers },
      });
    const start = Number(m[1]);
    const end = m[2] ? Number(m[2]) : data.length - 1;
    return new Response(data.slice(start, end + 1), {
      status: 206,
      headers: {
        "content-length": String(end - start + 1),
        "content-range": `bytes ${start}-${end}/${data.length}`,
        ...headers,
      },
    });
  };
}

/** A FetchEvent: `answer` resolves with what the worker responded (undefined when it let the request through). */
export function fetchEvent(
  request: Request,
  clientId = "client-1",
): FetchEventLike & { answer: Promise<Response | undefined>; responded: boolean } {
  let respond: (r: Response | undefined) => void = () => undefined;
  const answer = new Promise<Response | undefined>((resolve) => (respond = resolve));
  const event = {
    request,
    clientId,
    resultingClientId: "",
    responded: false,
    answer,
    respondWith(this: { responded: boolean }, r: Response | Promise<Response>) {
      this.responded = true;
      void Promise.resolve(r).then(respond);
    },
  };
  return event;
}

/** Read a whole body. */
export async function readAll(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}
