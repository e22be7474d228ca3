/**
 * A minimal application server for tests: the real `s3edge/server` signer
 * mounted with `toNodeHandler(handleS3Edge(...))` on a loopback port, in front
 * of an S3 fixture. Counts the protocol calls it serves.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createSigner, handleS3Edge, toNodeHandler, type Signer, type SignerOptions } from "../../src/server.js";

/** Where the S3 fixture is (inject("s3") or a started fixture). */
export interface S3Target {
  endpoint: string;
  bucket: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface TestApp {
  /** Base URL of the app, e.g. http://127.0.0.1:1234 */
  url: string;
  /** The signing endpoint: `${url}/s3edge`. */
  endpoint: string;
  signer: Signer;
  /** Operations served, in order (`create`, `sign`, ...). */
  ops: string[];
  close(): Promise<void>;
}

export const TEST_SECRET = "test-secret-test-secret-test-secret-0123";

/** A signer over the S3 fixture `s3`: test secret, path-style client; `authorize` reads `x-user` (default "alice"). */
export function testSigner(s3: S3Target, overrides: Partial<SignerOptions> = {}): Signer {
  const credentials = s3.credentials ?? {
    accessKeyId: s3.accessKeyId ?? "S3RVER",
    secretAccessKey: s3.secretAccessKey ?? "S3RVER",
  };
  return createSigner({
    s3: { endpoint: s3.endpoint, region: s3.region ?? "us-east-1", forcePathStyle: true, credentials },
    bucket: s3.bucket,
    tokenSecret: TEST_SECRET,
    authorize: (request) => ({ id: request.headers.get("x-user") ?? "alice" }),
    ...overrides,
  });
}

/** Start an app whose signer writes to `s3` (see {@link testSigner}). */
export async function startApp(s3: S3Target, overrides: Partial<SignerOptions> = {}): Promise<TestApp> {
  const signer = testSigner(s3, overrides);
  const ops: string[] = [];
  const web = handleS3Edge(signer, { cors: { origin: () => true } });
  const handler = toNodeHandler(async (request) => {
    const op = await request
      .clone()
      .json()
      .then((body: { op?: unknown }) => (typeof body.op === "string" ? body.op : undefined))
      .catch(() => undefined);
    if (op) ops.push(op);
    return web(request);
  });
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith("/s3edge")) handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    endpoint: `${url}/s3edge`,
    signer,
    ops,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
