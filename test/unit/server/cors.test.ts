/**
 * CORS of the signing endpoint: echoed origins (never `*`), credentials,
 * predicates, and preflights through `handleS3Edge`.
 */
import { describe, expect, it } from "vitest";

import { handleS3Edge } from "../../../src/server.js";
import { createCors } from "../../../src/server/cors.js";
import { setup } from "./helpers.js";

function preflight(origin: string | null, method = "POST", headers?: string): Request {
  const h: Record<string, string> = { "access-control-request-method": method };
  if (origin !== null) h.origin = origin;
  if (headers !== undefined) h["access-control-request-headers"] = headers;
  return new Request("http://api.test/s3edge", { method: "OPTIONS", headers: h });
}

describe("createCors", () => {
  it("echoes an allowed origin with credentials, and Vary: Origin always", () => {
    const cors = createCors({ origin: (o) => o.endsWith(".example.com"), credentials: true });
    expect(cors.headers("https://app.example.com")).toEqual({
      "access-control-allow-origin": "https://app.example.com",
      vary: "Origin",
      "access-control-allow-credentials": "true",
    });
    expect(cors.headers("https://evil.test")).toEqual({ vary: "Origin" });
    expect(cors.headers(null)).toEqual({ vary: "Origin" });
  });

  it("treats '*' as any origin but still echoes it", () => {
    expect(createCors({ origin: "*" }).headers("https://x.test")["access-control-allow-origin"]).toBe("https://x.test");
  });

  it("answers a preflight for POST only, with the requested headers when they are a plain list", () => {
    const cors = createCors({ origin: ["https://a.test"], maxAge: 30 });
    const ok = cors.preflight(preflight("https://a.test", "POST", "content-type,authorization"));
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-headers")).toBe("content-type,authorization");
    expect(ok.headers.get("access-control-max-age")).toBe("30");
    expect(cors.preflight(preflight("https://a.test", "PUT")).status).toBe(403);
    expect(cors.preflight(preflight("https://b.test")).status).toBe(403);
    expect(cors.preflight(preflight(null)).status).toBe(403);
    const odd = cors.preflight(preflight("https://a.test", "POST", 'x-a; y="z"'));
    expect(odd.headers.get("access-control-allow-headers")).toBe("content-type");
  });
});

describe("handleS3Edge with and without CORS", () => {
  it("answers OPTIONS as a preflight when CORS is on, 405 when it is off", async () => {
    const { signer, handler } = setup();
    expect((await handler(preflight("https://a.test"))).status).toBe(405);
    const withCors = handleS3Edge(signer, { cors: { origin: "https://a.test" } });
    expect((await withCors(preflight("https://a.test"))).status).toBe(204);
    const error = await withCors(
      new Request("http://api.test/s3edge", { method: "PUT", headers: { origin: "https://a.test" } }),
    );
    expect(error.status).toBe(405);
    expect(error.headers.get("allow")).toBe("POST, OPTIONS");
    expect(error.headers.get("access-control-allow-origin")).toBe("https://a.test");
  });
});

describe("CORS with credentials", () => {
  it("refuses origin '*' with credentials at construction, with the reason", () => {
    expect(() => createCors({ origin: "*", credentials: true })).toThrow(
      /any website could read|would let any website/,
    );
    expect(() => createCors({ origin: ["https://a.test", "*"], credentials: true })).toThrow(
      expect.objectContaining({ code: "InvalidConfig", option: "cors.origin" }),
    );
    expect(() => createCors({ origin: "*" })).not.toThrow();
  });

  it("never reflects Origin: null with credentials, whatever the list or predicate says", () => {
    const listed = createCors({ origin: ["null", "https://a.test"], credentials: true });
    expect(listed.headers("null")).toEqual({ vary: "Origin" });
    expect(listed.preflight(preflight("null")).status).toBe(403);
    const predicate = createCors({ origin: () => true, credentials: true });
    expect(predicate.headers("null")).toEqual({ vary: "Origin" });
    expect(predicate.headers("https://b.test")["access-control-allow-credentials"]).toBe("true");
    // Without credentials an opaque origin may be allowed explicitly (no cookies travel).
    expect(createCors({ origin: "*" }).headers("null")["access-control-allow-origin"]).toBe("null");
  });
});
