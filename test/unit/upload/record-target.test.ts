/**
 * A resume record keeps its upload target (several-target signers): a well-formed target is kept
 * as stored, a malformed one is dropped without rejecting the record (the token, not the
 * record, decides where the upload is).
 */
import { describe, expect, it } from "vitest";

import { parseResumeRecord } from "../../../src/upload/stores/record.js";

const record = {
  v: 1,
  fingerprint: "f-1",
  filename: "a.bin",
  size: 20,
  key: "uploads/a.bin",
  uploadId: "u-1",
  token: "t.mac",
  partSize: 10,
  expiresAt: 2_000,
  createdAt: 1_000,
  parts: [],
};

describe("resume record target", () => {
  it("keeps a well-formed target", () => {
    const target = {
      id: "near",
      bucket: "near-bucket",
      region: "eu-west-1",
      endpoint: "https://s3.example.com",
      accelerate: true,
    };
    expect(parseResumeRecord({ ...record, target })?.target).toEqual(target);
    expect(parseResumeRecord({ ...record, target: { id: "near", bucket: "b-1" } })?.target).toEqual({
      id: "near",
      bucket: "b-1",
    });
  });

  it("drops a malformed target and keeps the record", () => {
    for (const target of [{ id: "", bucket: "b" }, { id: "x" }, { id: "x", bucket: "b", region: 3 }, "near", null]) {
      const parsed = parseResumeRecord({ ...record, target });
      expect(parsed?.uploadId).toBe("u-1");
      expect(parsed).not.toHaveProperty("target");
    }
  });

  it("records of single-bucket signers have none", () => {
    expect(parseResumeRecord(record)).not.toHaveProperty("target");
  });
});
