/**
 * `createMany`: several creates in one request, each file answered (or refused) exactly as a
 * lone `create` would be, in order; a refused file fails alone and reaches `onError`.
 */
import { describe, expect, it } from "vitest";

import type { CreateManyResponse, CreateMultipartResponse, CreateSingleResponse } from "../../../src/server.js";
import { MiB, setup } from "./helpers.js";

const file = (extra: Record<string, unknown> = {}) => ({
  filename: "photo.png",
  contentType: "image/png",
  size: 1000,
  ...extra,
});
type ErrorJson = { error: { code: string; message: string } };

describe("createMany", () => {
  it("is announced in every create answer", async () => {
    const { call } = setup();
    const res = await call<CreateSingleResponse>({ v: 1, op: "create", ...file() });
    expect(res.json.createMany).toBe(16);
  });

  it("answers each file as a lone create would, in the order given, single and multipart alike", async () => {
    const { call, sent } = setup({ limits: { multipartThreshold: 5 * MiB } });
    const res = await call<CreateManyResponse>({
      v: 1,
      op: "createMany",
      files: [
        file({ filename: "a.png", requestId: "request-id-aaaaaaaaaa" }),
        file({ filename: "big.bin", contentType: "application/octet-stream", size: 20 * MiB }),
        file({ filename: "c.png", metadata: { owner: "alice" } }),
      ],
    });
    expect(res.status).toBe(200);
    const [a, big, c] = res.json.results as [CreateSingleResponse, CreateMultipartResponse, CreateSingleResponse];
    expect(a).toMatchObject({ mode: "single", key: expect.stringMatching(/\/a\.png$/), createMany: 16 });
    expect(new URL(a.url).searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;content-type;host");
    expect(big).toMatchObject({ mode: "multipart", uploadId: "upload-1", key: expect.stringMatching(/\/big\.bin$/) });
    expect(typeof big.token).toBe("string");
    expect(c.headers).toEqual({ "content-type": "image/png", "x-amz-meta-owner": "alice" });
    expect(sent.map((s) => s.name)).toEqual(["CreateMultipartUploadCommand"]);

    // The same requestId alone gets the same key: a file of a batch keys as a lone create does.
    const again = await call<CreateSingleResponse>({
      v: 1,
      op: "create",
      ...file({ filename: "a.png", requestId: "request-id-aaaaaaaaaa" }),
    });
    expect(again.json.key).toBe(a.key);
  });

  it("refuses a file alone, with the status and error a lone create answers, and reports it to onError", async () => {
    const { call, errors } = setup({
      limits: {
        maxSize: 10_000,
        check: (input) => {
          if (input.filename === "quota.png") throw new Error("the quota database is down");
        },
      },
    });
    const res = await call<CreateManyResponse>({
      v: 1,
      op: "createMany",
      files: [file({ size: 20_000 }), file({ filename: "ok.png" }), { filename: 3 }, file({ filename: "quota.png" })],
    });
    expect(res.status).toBe(200);
    const [tooLarge, ok, bad, broken] = res.json.results as [
      ErrorJson & { status: number },
      CreateSingleResponse,
      ErrorJson & { status: number },
      ErrorJson & { status: number },
    ];
    expect(tooLarge).toMatchObject({ status: 413, error: { code: "TooLarge" } });
    expect(ok.mode).toBe("single");
    expect(bad).toMatchObject({ status: 400, error: { code: "BadRequest" } });
    expect(broken).toMatchObject({ status: 500, error: { code: "InternalError" } });
    expect(broken.error.message).not.toContain("quota database");
    // What a lone create of each would have answered.
    const lone = await call<ErrorJson>({ v: 1, op: "create", ...file({ size: 20_000 }) });
    expect(lone.status).toBe(413);
    expect(lone.json.error).toEqual(tooLarge.error);
    expect(errors.map((e) => [e.op, e.error.code])).toEqual([
      ["create", "TooLarge"],
      ["create", "BadRequest"],
      ["create", "InternalError"],
      ["create", "TooLarge"],
    ]);
  });

  it("refuses an empty batch, more than 16 files, and files that are not a list", async () => {
    const { call } = setup();
    for (const files of [[], Array.from({ length: 17 }, () => file()), "a.png", { 0: file() }, undefined]) {
      const res = await call<ErrorJson>({ v: 1, op: "createMany", files });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe("BadRequest");
      expect(res.json.error.message).toContain("1 to 16");
    }
    const sixteen = await call<CreateManyResponse>({
      v: 1,
      op: "createMany",
      files: Array.from({ length: 16 }, (_, i) => file({ filename: `f${i}.png` })),
    });
    expect(sixteen.json.results.map((r) => ("key" in r ? r.key.split("/").pop() : r.error.code))).toEqual(
      Array.from({ length: 16 }, (_, i) => `f${i}.png`),
    );
  });

  it("needs an authorized user for the whole batch, as every operation does", async () => {
    const { call, sent } = setup({ limits: { multipartThreshold: 5 * MiB } });
    const res = await call<ErrorJson>({ v: 1, op: "createMany", files: [file({ size: 20 * MiB })] }, { user: null });
    expect(res.status).toBe(401);
    expect(sent).toEqual([]);
  });

  it("is a typed method of the signer", async () => {
    const { signer } = setup();
    const user = { id: "alice" };
    const answer = await signer.createMany(
      { files: [file(), file({ size: -1 })] },
      { user, request: new Request("http://app.test/") },
    );
    expect(answer.results[0]).toMatchObject({ mode: "single" });
    expect(answer.results[1]).toMatchObject({ status: 400, error: { code: "BadRequest" } });
  });
});
