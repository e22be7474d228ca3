/**
 * The fault proxy itself (test/support/fault-proxy.ts): transparent when no rule applies (SigV4
 * still verifies upstream), each fault does what its table says, rules pick the requests they
 * promise (every Nth, once per key, at most N times, seeded probability), and connection-level
 * down/up and re-targeting work.
 */
import { createHash } from "node:crypto";
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { pseudoRandomBytes } from "../support/data.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { s3ClientFor } from "../support/rgw/bucket.js";
import { startS3Fixture, type S3Fixture } from "../support/s3/fixture.js";

/** What the upstream saw of one request. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Body bytes received; `complete` false when the request was cut before its end. */
  body: Buffer;
  complete: boolean;
}

interface Upstream {
  url: string;
  seen: Seen[];
  /** Resolves once `n` requests have finished arriving (or were cut). */
  arrived(n: number): Promise<void>;
  close(): Promise<void>;
}

/** Echo-ish upstream: GET /blob/<n> answers n pseudo-random bytes; anything else answers the SHA-256 of the body. */
async function startUpstream(): Promise<Upstream> {
  const seen: Seen[] = [];
  const waiters: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const entry: Seen = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body: Buffer.alloc(0),
      complete: false,
    };
    const settle = (): void => {
      entry.body = Buffer.concat(chunks);
      if (!seen.includes(entry)) seen.push(entry);
      for (const w of waiters.splice(0)) w();
    };
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("aborted", settle);
    req.on("close", settle);
    if (req.url === "/early") {
      // Like S3 refusing a presigned PUT: answer at once, before the body has come.
      res.writeHead(403, { "content-type": "application/xml" }).end("<Error><Code>AccessDenied</Code></Error>");
    }
    req.on("end", () => {
      entry.complete = true;
      settle();
      if (req.url === "/early") return;
      const blob = /^\/blob\/(\d+)$/.exec(req.url ?? "");
      if (blob) {
        const body = pseudoRandomBytes(Number(blob[1]), 9);
        res
          .writeHead(200, {
            "content-type": "application/octet-stream",
            "content-length": body.length,
            "x-upstream": "yes",
          })
          .end(body);
      } else {
        res
          .writeHead(201, { "content-type": "text/plain", "x-upstream": "yes" })
          .end(createHash("sha256").update(entry.body).digest("hex"));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    arrived: (n) =>
      new Promise<void>((resolve) => {
        const check = (): void => (seen.length >= n ? resolve() : void waiters.push(check));
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A raw node:http request (no retries, no decoding): status, headers, the body bytes received and how it ended. */
function raw(
  url: string,
  init: { method?: string; body?: Buffer } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer; error?: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(
      url,
      { method: init.method ?? "GET", agent: false, headers: init.body ? { "content-length": init.body.length } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", (e: NodeJS.ErrnoException) =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            error: e.code ?? e.message,
          }),
        );
        res.on("aborted", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), error: "aborted" }),
        );
      },
    );
    req.on("error", (e: NodeJS.ErrnoException) =>
      resolve({ status: 0, headers: {}, body: Buffer.alloc(0), error: e.code ?? e.message }),
    );
    req.end(init.body);
  });
}

let upstream: Upstream;
let proxy: FaultProxy;

beforeAll(async () => {
  upstream = await startUpstream();
  proxy = await startFaultProxy({ target: upstream.url });
});
afterAll(async () => {
  await proxy?.close();
  await upstream?.close();
});
afterEach(async () => {
  proxy.clear();
  await proxy.setDown(false);
  proxy.setTarget(upstream.url);
  upstream.seen.length = 0;
});

describe("passing through", () => {
  it("forwards method, path, query, headers (Host too) and body unchanged, and the answer unchanged", async () => {
    const body = pseudoRandomBytes(300_000, 1);
    const response = await fetch(`${proxy.url}/a%20b/c+d?x=1&y=%2F`, {
      method: "POST",
      body: new Uint8Array(body),
      headers: { "x-custom": "v" },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-upstream")).toBe("yes");
    expect(await response.text()).toBe(createHash("sha256").update(body).digest("hex"));
    const [seen] = upstream.seen;
    expect(seen).toMatchObject({ method: "POST", url: "/a%20b/c+d?x=1&y=%2F", complete: true });
    expect(seen?.headers["x-custom"]).toBe("v");
    expect(seen?.headers.host).toBe(`127.0.0.1:${proxy.port}`);
    expect(proxy.log.at(-1)).toMatchObject({ method: "POST", path: "/a%20b/c+d", status: 201 });
  });

  it("an upstream that answers before the whole body came (S3's early 403): the client's connection stays usable", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const put = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          `${proxy.url}${path}`,
          { method: "PUT", agent, headers: { "content-length": 5 * 1024 * 1024 } },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          },
        );
        req.on("error", reject);
        req.end(Buffer.alloc(5 * 1024 * 1024, 1));
      });
    try {
      expect(await put("/early")).toBe(403);
      // Same socket (maxSockets 1): it must not be stuck behind the rest of the first body.
      expect(await put("/after")).toBe(201);
      expect(upstream.seen.map((s) => s.url)).toContain("/after");
    } finally {
      agent.destroy();
    }
  });

  it("keeps presigned SigV4 valid: a PUT signed for the proxy's address is accepted by the S3 fixture behind it", async () => {
    const s3: S3Fixture = await startS3Fixture();
    const s3proxy = await startFaultProxy({ target: s3.endpoint });
    try {
      const viaProxy = s3ClientFor({ endpoint: s3proxy.url, region: s3.region, credentials: s3.credentials });
      const url = await getSignedUrl(viaProxy, new PutObjectCommand({ Bucket: s3.bucket, Key: "через proxy.bin" }), {
        expiresIn: 60,
      });
      viaProxy.destroy();
      const body = pseudoRandomBytes(10_000, 2);
      expect((await fetch(url, { method: "PUT", body: new Uint8Array(body) })).status).toBe(200);
      expect(Buffer.from((await s3.getObject("через proxy.bin")) ?? []).equals(body)).toBe(true);
      expect(s3proxy.log.map((r) => r.operation)).toEqual(["PutObject"]);
    } finally {
      await s3proxy.close();
      await s3.close();
    }
  });
});

describe("faults", () => {
  it("refuse: the connection is destroyed, nothing is forwarded", async () => {
    proxy.add({ fault: { kind: "refuse" } });
    const answer = await raw(`${proxy.url}/x`, { method: "PUT", body: Buffer.alloc(1000) });
    expect(answer.status).toBe(0);
    expect(answer.error).toMatch(/ECONNRESET|socket hang up/);
    expect(upstream.seen).toEqual([]);
    expect(proxy.log.at(-1)).toMatchObject({ fault: "refuse", status: 0 });
  });

  it("reset (request): upstream gets the first half of the body and never its end; the client sees a reset", async () => {
    proxy.add({ fault: { kind: "reset" } });
    const body = pseudoRandomBytes(1_000_000, 3);
    const answer = await raw(`${proxy.url}/upload`, { method: "PUT", body });
    expect(answer.status).toBe(0);
    expect(answer.error).toBeDefined();
    await upstream.arrived(1);
    expect(upstream.seen[0]?.complete).toBe(false);
    expect(upstream.seen[0]?.body.length).toBeLessThanOrEqual(500_000);
  });

  it("reset (response): the client gets the headers and afterBytes of the body, then a reset", async () => {
    proxy.add({ fault: { kind: "reset", direction: "response", afterBytes: 100_000 } });
    const answer = await raw(`${proxy.url}/blob/1000000`);
    expect(answer.status).toBe(200);
    expect(answer.error).toBeDefined();
    expect(answer.body.length).toBeLessThanOrEqual(100_000);
    expect(answer.body.equals(pseudoRandomBytes(1_000_000, 9).subarray(0, answer.body.length))).toBe(true);
  });

  it("truncate: the headers promise the whole body, exactly afterBytes come, then the connection ends", async () => {
    proxy.add({ fault: { kind: "truncate", afterBytes: 12_345 } });
    const answer = await raw(`${proxy.url}/blob/200000`);
    expect(answer.status).toBe(200);
    expect(answer.headers["content-length"]).toBe("200000");
    expect(answer.body.length).toBe(12_345);
    expect(answer.error).toBeDefined();
    expect(answer.body.equals(pseudoRandomBytes(200_000, 9).subarray(0, 12_345))).toBe(true);
  });

  it("flip (request): upstream gets the same length with exactly one byte inverted", async () => {
    proxy.add({ fault: { kind: "flip", offset: 777 } });
    const body = pseudoRandomBytes(100_000, 4);
    expect((await raw(`${proxy.url}/put`, { method: "PUT", body })).status).toBe(201);
    const got = upstream.seen[0]?.body ?? Buffer.alloc(0);
    expect(got.length).toBe(body.length);
    const differing = [...got.keys()].filter((i) => got[i] !== body[i]);
    expect(differing).toEqual([777]);
    expect(got[777]).toBe((body[777] ?? 0) ^ 0xff);
  });

  it("flip (response): the client gets the same length with exactly one byte inverted", async () => {
    proxy.add({ fault: { kind: "flip", direction: "response", offset: 70_000 } });
    const answer = await raw(`${proxy.url}/blob/100000`);
    const expected = pseudoRandomBytes(100_000, 9);
    expect(answer.body.length).toBe(expected.length);
    expect([...answer.body.keys()].filter((i) => answer.body[i] !== expected[i])).toEqual([70_000]);
  });

  it("error: an S3 XML error with its status (503 SlowDown, Retry-After; 500 InternalError; 429), nothing forwarded", async () => {
    proxy.add({ fault: { kind: "error", status: 503, retryAfterSeconds: 2 }, times: 1 });
    proxy.add({ fault: { kind: "error", status: 500 }, times: 1 });
    proxy.add({ fault: { kind: "error", status: 429, code: "TooManyRequests", message: "slow down" }, times: 1 });
    const first = await raw(`${proxy.url}/k`, { method: "PUT", body: Buffer.alloc(50_000) });
    expect(first.status).toBe(503);
    expect(first.headers["retry-after"]).toBe("2");
    expect(first.body.toString()).toMatch(/<Code>SlowDown<\/Code>/);
    const second = await raw(`${proxy.url}/k`);
    expect([second.status, /<Code>InternalError<\/Code>/.test(second.body.toString())]).toEqual([500, true]);
    const third = await raw(`${proxy.url}/k`);
    expect([
      third.status,
      /<Code>TooManyRequests<\/Code><Message>slow down<\/Message>/.test(third.body.toString()),
    ]).toEqual([429, true]);
    expect(upstream.seen).toEqual([]);
    expect((await raw(`${proxy.url}/k`)).status).toBe(201);
  });

  it("hang: the request is read and never answered; the client gives up; nothing is forwarded", async () => {
    proxy.add({ fault: { kind: "hang" } });
    const error = await fetch(`${proxy.url}/h`, { signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
    expect((error as Error).name).toBe("TimeoutError");
    expect(upstream.seen).toEqual([]);
    expect(proxy.log.at(-1)).toMatchObject({ fault: "hang", status: 0 });
  });

  it("delay: the request is held, then forwarded", async () => {
    proxy.add({ fault: { kind: "delay", ms: 60_000 }, times: 1 });
    const held = fetch(`${proxy.url}/held`, { signal: AbortSignal.timeout(500) }).catch((e: unknown) => e);
    expect(((await held) as Error).name).toBe("TimeoutError");
    expect(upstream.seen).toEqual([]);
    proxy.add({ fault: { kind: "delay", ms: 50 }, times: 1 });
    // The first rule is spent: this one applies, and the request goes through after it.
    expect((await fetch(`${proxy.url}/late`)).status).toBe(201);
    expect(upstream.seen.map((s) => s.url)).toEqual(["/late"]);
    expect(proxy.log.at(-1)).toMatchObject({ fault: "delay", status: 201 });
  });
});

describe("rules", () => {
  const statuses = async (n: number, path: (i: number) => string = (i) => `/r${i}`): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 1; i <= n; i++) out.push((await raw(`${proxy.url}${path(i)}`)).status);
    return out;
  };

  it("every: 3 picks the 3rd, 6th, ... matching request", async () => {
    proxy.add({ fault: { kind: "error", status: 500 }, every: 3 });
    expect(await statuses(7)).toEqual([201, 201, 500, 201, 201, 500, 201]);
  });

  it("match + oncePer: each matching key fails once, its retry passes", async () => {
    proxy.add({
      fault: { kind: "error", status: 503 },
      match: (r) => r.path.startsWith("/bad"),
      oncePer: (r) => r.path,
    });
    expect(await statuses(6, (i) => (i <= 4 ? `/bad${(i + 1) >> 1}` : `/ok${i}`))).toEqual([
      503, 201, 503, 201, 201, 201,
    ]);
  });

  it("times: at most N applications", async () => {
    proxy.add({ fault: { kind: "error", status: 500 }, times: 2 });
    expect(await statuses(4)).toEqual([500, 500, 201, 201]);
  });

  it("probability is seeded: the same seed picks the same requests", async () => {
    const picks: boolean[][] = [];
    for (let run = 0; run < 2; run++) {
      const seeded = await startFaultProxy({ target: upstream.url, seed: 42 });
      seeded.add({ fault: { kind: "error", status: 500 }, probability: 0.3 });
      const got: boolean[] = [];
      for (let i = 0; i < 40; i++) got.push((await raw(`${seeded.url}/p`)).status === 500);
      picks.push(got);
      await seeded.close();
    }
    expect(picks[0]).toEqual(picks[1]);
    const hits = picks[0]?.filter(Boolean).length ?? 0;
    expect(hits).toBeGreaterThan(2);
    expect(hits).toBeLessThan(30);
  });

  it("counts() tells how many requests got each fault, and the log which", async () => {
    const fresh = await startFaultProxy({ target: upstream.url });
    try {
      fresh.add({ fault: { kind: "error", status: 500 }, times: 1 });
      fresh.add({ fault: { kind: "refuse" }, times: 2 });
      for (let i = 0; i < 4; i++) await raw(`${fresh.url}/c${i}`);
      expect(fresh.counts()).toEqual({ error: 1, refuse: 2 });
      expect(fresh.log.map((r) => [r.path, r.fault ?? "none", r.status])).toEqual([
        ["/c0", "error", 500],
        ["/c1", "refuse", 0],
        ["/c2", "refuse", 0],
        ["/c3", "none", 201],
      ]);
    } finally {
      await fresh.close();
    }
  });
});

describe("connection level", () => {
  it("setDown(true) refuses connections on the same port; setDown(false) serves again", async () => {
    await proxy.setDown(true);
    expect((await raw(`${proxy.url}/down`)).error).toBe("ECONNREFUSED");
    await proxy.setDown(false);
    expect((await raw(`${proxy.url}/up`)).status).toBe(201);
  });

  it("setDown(true) drops open connections (a hung request ends at once)", async () => {
    proxy.add({ fault: { kind: "hang" } });
    const hung = raw(`${proxy.url}/hung`);
    await vi.waitFor(() => expect(proxy.log.at(-1)?.path).toBe("/hung"));
    await proxy.setDown(true);
    expect((await hung).error).toMatch(/ECONNRESET|socket hang up|aborted/);
  });

  it("setTarget re-points the proxy; an unreachable upstream destroys the client's connection (no made-up 502)", async () => {
    const other = await startUpstream();
    try {
      proxy.setTarget(other.url);
      expect((await raw(`${proxy.url}/moved`)).status).toBe(201);
      expect(other.seen.map((s) => s.url)).toEqual(["/moved"]);
    } finally {
      await other.close();
    }
    const answer = await raw(`${proxy.url}/gone`);
    expect(answer.status).toBe(0);
    expect(answer.error).toMatch(/ECONNRESET|socket hang up/);
  });
});
