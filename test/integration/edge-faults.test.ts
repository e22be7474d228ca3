/** The edge fixture's image-era fault modes: placeholder images, late answers, flapping, and an edge without CORS. */
import { createServer, type Server } from "node:http";

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PLACEHOLDER_PNG, startEdge, type Edge } from "../support/edge.js";

const BODY = Buffer.from("the real object");

let origin: Server;
let originUrl: string;
let edge: Edge;
let bare: Edge;

beforeAll(async () => {
  origin = createServer((_req, res) => res.writeHead(200, { "content-type": "application/octet-stream" }).end(BODY));
  await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
  const address = origin.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  originUrl = `http://127.0.0.1:${address.port}`;
  edge = await startEdge({ origin: originUrl });
  bare = await startEdge({ origin: originUrl, cors: false });
});
afterAll(async () => {
  await edge?.close();
  await bare?.close();
  await new Promise<void>((resolve) => origin?.close(() => resolve()));
});

describe("edge fault modes for images", () => {
  it("answers { status: 503, body: 'image' } with a valid PNG, CORS and Timing-Allow-Origin, and logs it", async () => {
    await edge.setMode({ status: 503, body: "image" });
    await edge.clearRequests();
    const res = await fetch(`${edge.url}/media/a.png`);
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("timing-allow-origin")).toBe("*");
    expect(Buffer.from(await res.arrayBuffer())).toEqual(PLACEHOLDER_PNG);
    const head = await fetch(`${edge.url}/media/a.png`, { method: "HEAD" });
    expect(head.status).toBe(503);
    expect((await edge.requests()).map((r) => [r.method, r.status, r.mode])).toEqual([
      ["GET", 503, "status-503-image"],
      ["HEAD", 503, "status-503-image"],
    ]);
  });

  it("sends no CORS or timing headers at all when started with cors: false, errors included", async () => {
    for (const mode of ["healthy", { status: 503, body: "image" }, { status: 503 }] as const) {
      await bare.setMode(mode);
      const res = await fetch(`${bare.url}/media/a.png`);
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
      expect(res.headers.get("timing-allow-origin")).toBeNull();
      await res.arrayBuffer();
    }
  });

  it("answers { delayMs } only after the delay, with the origin's bytes", async () => {
    await edge.setMode({ delayMs: 1_500 });
    await expect(fetch(`${edge.url}/media/slow.bin`, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    const res = await fetch(`${edge.url}/media/slow.bin`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(BODY);
  });

  it("alternates between the origin's answer and a 503 HTML page in { flapMs } mode", async () => {
    await edge.setMode({ flapMs: 300 });
    const seen = new Set<number>();
    for (let i = 0; i < 40 && seen.size < 2; i++) {
      // A pooled connection may have been closed by the reload that switched the mode: ask again.
      const res = await fetch(`${edge.url}/media/flap.bin`).catch(() => fetch(`${edge.url}/media/flap.bin`));
      seen.add(res.status);
      if (res.status === 503) expect(res.headers.get("content-type")).toContain("text/html");
      else expect(Buffer.from(await res.arrayBuffer())).toEqual(BODY);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect([...seen].sort()).toEqual([200, 503]);
  });

  it("rejects fault modes nginx could not express", async () => {
    await expect(edge.setMode({ delayMs: 0 })).rejects.toThrow(/positive integer/);
    await expect(edge.setMode({ flapMs: 1.5 })).rejects.toThrow(/positive integer/);
  });
});
