import { createHash, randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";

import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";

import {
  attachConsole,
  launchBrowser,
  startStaticServer,
  throttle,
  type PageConsole,
  type StaticServer,
} from "../support/browser.js";
import { fixtureClient } from "../support/s3/client.js";

/** A page with one helper: PUT base64-decoded bytes as a Blob by XHR, report status, ETag and progress events. */
const UPLOAD_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>harness</title></head><body>
<script>
  window.putBlob = (url, base64) => new Promise((resolve) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const xhr = new XMLHttpRequest();
    let progressEvents = 0;
    xhr.upload.onprogress = () => { progressEvents += 1; };
    xhr.onload = () => resolve({ status: xhr.status, etag: xhr.getResponseHeader("ETag"), progressEvents });
    xhr.onerror = () => resolve({ status: 0, etag: null, progressEvents });
    xhr.open("PUT", url);
    xhr.send(new Blob([bytes]));
  });
</script></body></html>`;

interface PutResult {
  status: number;
  etag: string | null;
  progressEvents: number;
}

function putFromPage(page: Page, url: string, body: Buffer): Promise<PutResult> {
  return page.evaluate(
    ([u, b64]) => (window as unknown as { putBlob(u: string, b: string): Promise<PutResult> }).putBlob(u, b64),
    [url, body.toString("base64")] as const,
  );
}

/** Raw GET with the path sent exactly as given (fetch would normalise `..`). */
function rawGet(base: string, path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const md5 = (bytes: Buffer) => `"${createHash("md5").update(bytes).digest("hex")}"`;

describe("browser harness", () => {
  const s3 = inject("s3");
  const client = fixtureClient(s3);
  let browser: Browser;
  let server: StaticServer;
  let page: Page;
  let pageConsole: PageConsole;

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startStaticServer({ pages: { "/upload.html": UPLOAD_PAGE } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    client.destroy();
  });
  beforeEach(async () => {
    page = await browser.newPage();
    pageConsole = attachConsole(page);
  });
  afterEach(async (context) => {
    if (context.task.result?.state === "fail") console.log(`page console:\n${pageConsole.format()}`);
    await page.close();
  });

  it("PUTs a Blob by XHR cross-origin to a presigned URL, reads the exposed ETag, and S3 holds the bytes", async () => {
    const key = `harness/${Date.now()}/blob one+é.bin`;
    const body = randomBytes(300 * 1024);
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: s3.bucket, Key: key }), { expiresIn: 300 });
    await page.goto(`${server.url}/upload.html`);
    expect(new URL(page.url()).origin).not.toBe(new URL(s3.endpoint).origin);

    const result = await putFromPage(page, url, body);
    expect(result.status, pageConsole.format()).toBe(200);
    expect(result.etag).toBe(md5(body));

    const stored = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    expect(Buffer.from(await stored.Body!.transformToByteArray())).toEqual(body);
  });

  it("throttles a page's network so that an XHR upload reports progress many times", async () => {
    const body = randomBytes(512 * 1024);
    const url = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: s3.bucket, Key: `harness/${Date.now()}/slow.bin` }),
      { expiresIn: 300 },
    );
    await page.goto(`${server.url}/upload.html`);
    await throttle(page, 512 * 1024);
    const result = await putFromPage(page, url, body);
    expect(result.status, pageConsole.format()).toBe(200);
    expect(result.progressEvents).toBeGreaterThanOrEqual(4);
  });

  it("collects console errors and uncaught exceptions, with URL queries redacted", async () => {
    await page.goto(`${server.url}/upload.html`);
    await page.evaluate(() => {
      console.error("failed http://127.0.0.1:1/b/k?X-Amz-Signature=abc&X-Amz-Credential=def");
      setTimeout(() => {
        throw new Error("boom from the page");
      });
    });
    await expect.poll(() => pageConsole.errors().length).toBe(2);
    const text = pageConsole.format();
    expect(text).toContain("[error] failed http://127.0.0.1:1/b/k?<redacted>");
    expect(text).toContain("[pageerror] Error: boom from the page");
    expect(text).not.toContain("X-Amz-Signature");
  });
});

describe("static server", () => {
  let server: StaticServer;
  beforeAll(async () => {
    server = await startStaticServer({ pages: { "/page.html": "<p>hi</p>" } });
    server.route("/sign", (req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ method: req.method }));
    });
  });
  afterAll(() => server.close());

  it("serves repository files with their content type", async () => {
    const pkg = await fetch(`${server.url}/package.json`);
    expect(pkg.status).toBe(200);
    expect(pkg.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(((await pkg.json()) as { name: string }).name).toBe("s3edge");
    const script = await fetch(`${server.url}/scripts/ensure-system-deps.mjs`);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await fetch(`${server.url}/no/such/file.js`)).status).toBe(404);
  });

  it("serves given pages as HTML and routes to handlers", async () => {
    const page = await fetch(`${server.url}/page.html`);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toBe("<p>hi</p>");
    const signed = await fetch(`${server.url}/sign`, { method: "POST", body: "{}" });
    expect(await signed.json()).toEqual({ method: "POST" });
  });

  it("refuses paths that escape the root, encoded or not", async () => {
    for (const path of [
      "/..%2f..%2f..%2fetc%2fpasswd",
      "/%2e%2e%2f%2e%2e%2fetc/passwd",
      "/..%5c..%5cetc%5cpasswd",
      "/a%00.html",
    ]) {
      const res = await rawGet(server.url, path);
      expect(res.status, path).toBe(403);
      expect(res.body).not.toContain("root:");
    }
    // A plain "/../" is resolved by URL parsing to a path under the root, so it is at worst a 404.
    const dotted = await rawGet(server.url, "/../../../etc/passwd");
    expect(dotted.status).toBe(404);
  });
});
