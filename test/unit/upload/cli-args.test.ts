/** `s3edge-upload`'s command line and progress line (examples/node/cli-args.ts, progress-bar.ts). */
import { describe, expect, it } from "vitest";
import { parseBytes, parseCli, UsageError } from "../../../examples/node/cli-args.js";
import { formatDuration, formatProgress } from "../../../examples/node/progress-bar.js";

const MiB = 1024 * 1024;

describe("the command line", () => {
  it("takes a file, the endpoint, repeated headers, sizes with units and the flags", () => {
    expect(
      parseCli([
        "v.mp4",
        "--endpoint",
        "https://app/api",
        "--header",
        "Authorization: Bearer x:y",
        "--header",
        "x-team:a",
        "--part-size",
        "16MiB",
        "--concurrency",
        "8",
        "--quiet",
      ]),
    ).toEqual({
      input: "v.mp4",
      endpoint: "https://app/api",
      headers: { authorization: "Bearer x:y", "x-team": "a" },
      partSize: 16 * MiB,
      concurrency: 8,
      cancel: false,
      name: undefined,
      contentType: undefined,
      size: undefined,
      quiet: true,
    });
    expect(parseCli(["-", "--name", "a.tar", "--size", "10MB"], { S3EDGE_ENDPOINT: "http://e" })).toMatchObject({
      input: "-",
      endpoint: "http://e",
      name: "a.tar",
      size: 10_000_000,
    });
    expect(parseCli(["--help"])).toBe("help");
  });

  it.each([
    [[], /which file/],
    [["a", "b", "--endpoint", "e"], /one file at a time/],
    [["a"], /--endpoint URL is required/],
    [["a", "--endpoint", "e", "--header", "nocolon"], /--header must be "name: value"/],
    [["a", "--endpoint", "e", "--concurrency", "0"], /--concurrency must be a whole number >= 1/],
    [["a", "--endpoint", "e", "--part-size", "big"], /--part-size must be a number of bytes/],
    [["-", "--endpoint", "e", "--cancel"], /--cancel needs a file/],
    [["a", "--endpoint", "e", "--bogus"], /Unknown option '--bogus'/],
  ])("%j is a usage error", (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });

  it("reads byte sizes: plain, binary and decimal units", () => {
    expect(parseBytes("8388608", "x")).toBe(8 * MiB);
    expect(parseBytes("8M", "x")).toBe(8 * MiB);
    expect(parseBytes("1.5 GiB", "x")).toBe(1.5 * 1024 * MiB);
    expect(parseBytes("5mb", "x")).toBe(5_000_000);
  });
});

describe("the progress line", () => {
  it("shows a bar, the percentage, MiB done of the total, speed, ETA, parts and status", () => {
    const line = formatProgress(
      { status: "uploading", loaded: 64 * MiB, total: 256 * MiB, speed: 32 * MiB, eta: 6, partsDone: 8, partCount: 32 },
      100,
    );
    expect(line).toBe(
      "[#######----------------------]   25.0%  64.0/256.0 MiB  32.0 MiB/s  ETA 0:06  parts 8/32  uploading",
    );
    expect(line).toHaveLength(100);
  });

  it("copes with an unknown total (a stream), no ETA, and narrow terminals", () => {
    const line = formatProgress(
      { status: "uploading", loaded: 5 * MiB, total: null, speed: 0, eta: null, partsDone: 1, partCount: null },
      60,
    );
    expect(line.startsWith("[----------]     ?    5.0/? MiB  0.0 MiB/s  ETA -:--")).toBe(true);
    expect(line.length).toBeLessThanOrEqual(60);
  });

  it("formats durations as m:ss and h:mm:ss", () => {
    expect([formatDuration(0), formatDuration(65), formatDuration(3723)]).toEqual(["0:00", "1:05", "1:02:03"]);
  });
});
