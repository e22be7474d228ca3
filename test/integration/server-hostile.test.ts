/**
 * The hostile-input table (test/unit/server/hostile-cases.ts) over real
 * sockets: `toNodeHandler(handleS3Edge(...))` on `node:http`, in front of the
 * S3 fixture. Each row must get its documented status and code, no URL or
 * signature in the answer, and the fixture's request log must show no write
 * (PUT, POST, DELETE) caused by it.
 */
import { request as httpRequest } from "node:http";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createSigner, handleS3Edge, toNodeHandler } from "../../src/server.js";
import type { SignerOptions, WebHandler } from "../../src/server.js";
import { startS3Fixture } from "../support/s3/fixture.js";
import type { S3Fixture } from "../support/s3/fixture.js";
import { rows } from "../unit/server/hostile-cases.js";
import type { Attempt, Case, Upload } from "../unit/server/hostile-harness.js";

const SECRET = "unit-test-secret-0123456789abcdef-XYZ";
const MiB = 1024 * 1024;
const SIGNED = /X-Amz-(Signature|Credential|Algorithm)|https?:\/\//i;

let fixture: S3Fixture;
let server: Server;
let port: number;
/** The handler of the row being run (one server for every row). */
let current: WebHandler;
const clock = { now: 0 };

beforeAll(async () => {
  fixture = await startS3Fixture();
  const node = toNodeHandler((request) => current(request));
  server = createServer(node);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await fixture?.close();
});

function handlerFor(options: Partial<SignerOptions> | undefined): WebHandler {
  const signer = createSigner({
    s3: { endpoint: fixture.endpoint, region: fixture.region, forcePathStyle: true, credentials: fixture.credentials },
    bucket: fixture.bucket,
    tokenSecret: SECRET,
    authorize: (request) => {
      const id = request.headers.get("x-user");
      return id === null ? null : { id };
    },
    now: () => clock.now,
    ...options,
  });
  return handleS3Edge(signer, { onError: () => undefined });
}

/** One request over a real socket; any method, any body. */
function send(attempt: Attempt): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { ...attempt.headers };
  const contentType = attempt.contentType === undefined ? "application/json" : attempt.contentType;
  if (contentType !== null) headers["content-type"] = contentType;
  const user = attempt.user === undefined ? "alice" : attempt.user;
  if (user !== null) headers["x-user"] = user;
  const method = attempt.method ?? "POST";
  const body =
    method === "GET" || method === "HEAD"
      ? undefined
      : (attempt.raw ?? (attempt.body === undefined ? "" : JSON.stringify(attempt.body)));
  const bytes = body === undefined ? undefined : typeof body === "string" ? Buffer.from(body) : Buffer.from(body);
  if (bytes !== undefined && headers["content-length"] === undefined)
    headers["content-length"] = String(bytes.byteLength);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: "/api/s3edge", method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(bytes);
  });
}

async function createUpload(extra: Record<string, unknown>, owner: string): Promise<Upload> {
  const res = await send({
    // 20 MiB in parts of 8 MiB (proposed by the client): the shared case table counts 3 parts.
    body: {
      v: 1,
      op: "create",
      filename: "a.bin",
      contentType: "application/octet-stream",
      size: 20 * MiB,
      partSize: 8 * MiB,
      ...extra,
    },
    user: owner,
  });
  expect(res.status, res.text).toBe(200);
  return JSON.parse(res.text) as Upload;
}

/**
 * Two methods never reach the handler over a socket: CONNECT opens a tunnel in HTTP clients, and
 * Node's HTTP parser answers 400 itself to TRACK (a method it does not know). The unit table covers both.
 */
const overSockets = rows.filter(
  (row) => !row.name.startsWith("method CONNECT") && !row.name.startsWith("method TRACK"),
);

describe("hostile input over real sockets, in front of the S3 fixture", () => {
  it("runs most of the table", () => {
    expect(overSockets.length).toBe(rows.length - 4);
  });

  // Rows that refuse write nothing, so one handler and one upload serve every row that shares them.
  const handlers = new Map<string, WebHandler>();
  const uploads = new Map<string, Upload>();

  it.each(overSockets)("$status $code: $name", async (row: Case) => {
    clock.now = Date.now();
    const setting = row.options === undefined ? "default" : row.name;
    current = handlers.get(setting) ?? handlerFor(row.options);
    handlers.set(setting, current);
    let up: Upload | undefined;
    if (row.upload !== undefined) {
      const which = `${setting}|${JSON.stringify(row.upload)}|${row.owner ?? "alice"}`;
      up = uploads.get(which) ?? (await createUpload(row.upload, row.owner ?? "alice"));
      uploads.set(which, up);
    }
    clock.now += row.laterMs ?? 0;
    fixture.resetRequests();
    const attempt = await row.attempt(up);
    const res = await send(attempt);
    expect(res.status, res.text).toBe(row.status);
    if (attempt.method !== "HEAD")
      expect((JSON.parse(res.text) as { error: { code: string } }).error.code).toBe(row.code);
    expect(res.text).not.toMatch(SIGNED);
    if (up !== undefined) expect(res.text).not.toContain(up.token);
    const writes = fixture.requests.filter((r) => r.method === "PUT" || r.method === "POST" || r.method === "DELETE");
    expect(writes).toEqual([]);
  });
});
