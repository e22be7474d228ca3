/**
 * The AWS packages are optional peer dependencies loaded on first use: a
 * missing one is a ConfigError naming the package and the exact `npm install`
 * command (simulated with an injected loader), the signer recovers once the
 * package loads, and `signer.upload` alone needs `@aws-sdk/lib-storage`.
 */
import { afterEach, describe, expect, it, vi } from "vitest";

import { ConfigError, handleS3Edge } from "../../../src/server.js";
import type { Signer } from "../../../src/server.js";
import { importModule, loadPackage } from "../../../src/server/sdk.js";
import type { ModuleLoader, SdkPackage } from "../../../src/server/sdk.js";
import { buildSigner } from "../../../src/server/signer.js";
import { SECRET, headerAuth, stubClient } from "./helpers.js";

const SIGNER_INSTALL = "npm install @aws-sdk/client-s3 @aws-sdk/s3-request-presigner @smithy/signature-v4";

/** A loader for which the packages in `missing` are not installed (as Node reports it). */
function without(missing: Set<SdkPackage>): ModuleLoader {
  return (name) => {
    if (missing.has(name)) {
      const error = Object.assign(
        new Error(`Cannot find package '${name}' imported from /app/node_modules/s3edge/dist/server.js`),
        { code: "ERR_MODULE_NOT_FOUND" },
      );
      return Promise.reject(error);
    }
    return importModule(name);
  };
}

function signerLoading(load: ModuleLoader, s3: "config" | "client" = "config"): Signer {
  return buildSigner(
    {
      s3:
        s3 === "client"
          ? stubClient().client
          : { region: "us-east-1", credentials: { accessKeyId: "a", secretAccessKey: "b" } },
      bucket: "unit-bucket",
      tokenSecret: SECRET,
      authorize: headerAuth,
    },
    load,
  );
}

const create = new Request("http://app.test/api", {
  method: "POST",
  headers: { "content-type": "application/json", "x-user": "alice" },
  body: JSON.stringify({ v: 1, op: "create", filename: "a.png", contentType: "image/png", size: 10 }),
});

afterEach(() => vi.restoreAllMocks());

describe("a missing optional package", () => {
  it.each(["@aws-sdk/client-s3", "@aws-sdk/s3-request-presigner", "@smithy/signature-v4"] as const)(
    "%s: the signer still loads; its first use is a ConfigError with the install command",
    async (name) => {
      const signer = signerLoading(without(new Set([name])));
      const error = await signer.getClient().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: "InvalidConfig", option: name });
      expect((error as Error).message).toBe(
        `${name} is not installed: the signer needs it (s3edge/server's AWS packages are optional peer dependencies, so that browser-only apps do not install them). Run: ${SIGNER_INSTALL}`,
      );
    },
  );

  it("answers 500 through the handler and logs the ConfigError line", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const response = await handleS3Edge(signerLoading(without(new Set(["@aws-sdk/client-s3"]))))(create.clone());
    expect(response.status).toBe(500);
    expect(String(log.mock.calls[0]![0])).toContain(`cause: ConfigError: @aws-sdk/client-s3 is not installed`);
    expect(String(log.mock.calls[0]![0])).toContain(SIGNER_INSTALL);
  });

  it("is not remembered: once the package loads, the signer works", async () => {
    const missing = new Set<SdkPackage>(["@aws-sdk/s3-request-presigner"]);
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const handler = handleS3Edge(signerLoading(without(missing), "client"));
    expect((await handler(create.clone())).status).toBe(500);
    missing.clear();
    expect((await handler(create.clone())).status).toBe(200);
  });

  it("@aws-sdk/lib-storage: only signer.upload needs it", async () => {
    const signer = signerLoading(without(new Set(["@aws-sdk/lib-storage"])), "client");
    expect((await handleS3Edge(signer)(create.clone())).status).toBe(200);
    const error = await signer.upload("a/b.bin", new Uint8Array(3)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "InvalidConfig", option: "@aws-sdk/lib-storage" });
    expect((error as Error).message).toMatch(/signer\.upload needs it .* Run: npm install @aws-sdk\/lib-storage$/);
  });

  it("passes other loading failures through (not blamed on installation)", async () => {
    const broken = new SyntaxError("Unexpected token in @aws-sdk/client-s3");
    await expect(loadPackage(() => Promise.reject(broken), "@aws-sdk/client-s3")).rejects.toBe(broken);
  });
});

describe("the client", () => {
  it("is built on first use from the configuration, with checksums only when required", async () => {
    const signer = signerLoading(importModule);
    expect(() => signer.client).toThrow(expect.objectContaining({ code: "InvalidConfig", option: "client" }));
    const client = await signer.getClient();
    expect(await client.config.requestChecksumCalculation()).toBe("WHEN_REQUIRED");
    expect(signer.client).toBe(client);
    expect(await signer.getClient()).toBe(client);
  });

  it("is the one passed in, at once", async () => {
    const { client } = stubClient();
    const signer = buildSigner({ s3: client, bucket: "unit-bucket", tokenSecret: SECRET, authorize: headerAuth });
    expect(signer.client).toBe(client);
    expect(await signer.getClient()).toBe(client);
  });
});
