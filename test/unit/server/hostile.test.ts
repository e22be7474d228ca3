/**
 * Hostile input to the signing endpoint, as tables (hostile-cases.ts): each row
 * answered with its documented status and code, with nothing signed and nothing
 * written to S3 (see hostile-harness.ts). The properties in
 * hostile-properties.test.ts add generated inputs on top of these rows.
 */
import { describe, expect, it } from "vitest";

import { rows } from "./hostile-cases.js";
import { expectRefused } from "./hostile-harness.js";

describe("hostile input: tables", () => {
  it("has at least 300 rows", () => {
    expect(rows.length).toBeGreaterThanOrEqual(300);
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  it.each(rows)("$status $code: $name", async (row) => {
    await expectRefused(row);
  });

  it("keeps Object.prototype clean after a __proto__ body", async () => {
    await expectRefused({
      name: "prototype pollution",
      status: 400,
      code: "BadRequest",
      attempt: () => ({ raw: '{"__proto__":{"polluted":true},"v":1,"op":"create","filename":1}' }),
    });
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});
