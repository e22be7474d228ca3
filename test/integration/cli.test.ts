/**
 * The `s3edge-upload` command (dist/cli.js, built from examples/node/upload-file.ts) against the
 * S3 fixture and the test app: Ctrl-C pauses and keeps the resume record, the next run sends
 * only the parts S3 lacks and stores the exact bytes; a second Ctrl-C or --cancel aborts and
 * removes the record; standard input streams. Needs `npm run build`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startApp, type TestApp } from "../support/app.js";
import { pseudoRandomBytes } from "../support/data.js";
import { startS3Fixture, type S3Fixture } from "../support/s3/fixture.js";

const MiB = 1024 * 1024;
const CLI = join(import.meta.dirname, "../../dist/cli.js");
let fixture: S3Fixture;
let app: TestApp;
let dir: string;
let stopIntercepting: (() => void) | undefined;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: run `npm run build`");
  fixture = await startS3Fixture();
  app = await startApp(fixture, { limits: { multipartThreshold: 5 * MiB, partSize: 5 * MiB } });
  dir = await mkdtemp(join(tmpdir(), "s3edge-cli-"));
});
afterEach(() => stopIntercepting?.());
afterAll(async () => {
  await app?.close();
  await fixture?.close();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(args: string[], cache: string, stdin?: Buffer): Run {
  const child = spawn(
    process.execPath,
    [CLI, ...args, "--endpoint", app.endpoint, "--part-size", "5MiB", "--concurrency", "2"],
    {
      env: { ...process.env, XDG_CACHE_HOME: cache },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let out = "";
  let errText = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (errText += chunk.toString()));
  if (stdin) child.stdin?.end(stdin);
  else child.stdin?.end();
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => errText, exit };
}

/** Hold every part from `from` on in the fixture until released; resolves when parts 1..from-1 are stored. */
function holdPartsFrom(from: number): { stored: Promise<void>; release(): void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  stopIntercepting = fixture.intercept(async (request) => {
    if (request.operation === "UploadPart" && (request.partNumber ?? 0) >= from) await gate;
    return undefined;
  });
  const stored = (async () => {
    for (;;) {
      const done = fixture.requests.filter(
        (r) => r.operation === "UploadPart" && r.status === 200 && (r.partNumber ?? 0) < from,
      ).length;
      if (done >= from - 1) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return { stored, release };
}

const records = async (cache: string): Promise<string[]> => readdir(join(cache, "s3edge", "uploads")).catch(() => []);
const partsSent = (): number[] =>
  fixture.requests
    .filter((r) => r.operation === "UploadPart" && r.status === 200)
    .map((r) => r.partNumber ?? 0)
    .sort((a, b) => a - b);

async function file(name: string, size: number, seed: number): Promise<{ path: string; data: Buffer }> {
  const data = pseudoRandomBytes(size, seed);
  const path = join(dir, name);
  await writeFile(path, data);
  return { path, data };
}

describe("s3edge-upload", () => {
  it("Ctrl-C pauses and keeps the record; the next run resumes without resending stored parts and stores the exact bytes", async () => {
    const cache = await mkdtemp(join(dir, "cache-"));
    const { path, data } = await file("video.bin", 24 * MiB + 3, 1);
    fixture.resetRequests();
    const held = holdPartsFrom(3);
    const first = run([path], cache);
    await held.stored;
    first.child.kill("SIGINT");
    expect(await first.exit).toBe(130);
    held.release();
    stopIntercepting?.();
    expect(first.stderr()).toMatch(/paused at 2\/5 parts/);
    expect(first.stderr()).toMatch(/the resume record is kept: run the same command to continue/);
    expect(await records(cache)).toHaveLength(1);

    fixture.resetRequests();
    const second = run([path], cache);
    expect(await second.exit).toBe(0);
    expect(second.stderr()).toMatch(/resuming: 2 of 5 parts already on S3/);
    // Parts 1 and 2 were not sent again.
    expect(partsSent()).toEqual([3, 4, 5]);
    const [key, url] = second.stdout().trim().split("\n");
    expect(url).toMatch(/^http/);
    expect(Buffer.from((await fixture.getObject(key as string)) ?? []).equals(data)).toBe(true);
    expect(await records(cache)).toEqual([]);
    // The progress lines (stderr is not a terminal here: one line per 10 %).
    // (ETA -:-- until the speed is known: the first sample needs 250 ms of progress.)
    expect(second.stderr()).toMatch(
      /\[#+-*\] +\d+\.\d% +\d+\.\d\/24\.0 MiB +\d+\.\d MiB\/s +ETA (\d+:\d\d|-:--) +parts \d\/5 +uploading/,
    );
    expect(second.stderr()).toMatch(/\[#+\] +100\.0% +24\.0\/24\.0 MiB .* parts 5\/5 +done/);
  });

  it("a second Ctrl-C aborts the upload on S3 and removes the record", async () => {
    const cache = await mkdtemp(join(dir, "cache-"));
    const { path } = await file("twice.bin", 12 * MiB, 2);
    fixture.resetRequests();
    const held = holdPartsFrom(2);
    const run1 = run([path], cache);
    await held.stored;
    run1.child.kill("SIGINT");
    await new Promise((resolve) => setTimeout(resolve, 300));
    run1.child.kill("SIGINT");
    expect(await run1.exit).toBe(130);
    held.release();
    expect(run1.stderr()).toMatch(/interrupted again: aborting the upload/);
    expect(await records(cache)).toEqual([]);
    expect((await fixture.listUploads()).filter((u) => u.key.endsWith("twice.bin"))).toEqual([]);
  });

  it("--cancel gives up a stored upload: aborted on S3, record removed, nothing uploaded", async () => {
    const cache = await mkdtemp(join(dir, "cache-"));
    const { path } = await file("later.bin", 12 * MiB, 3);
    fixture.resetRequests();
    const held = holdPartsFrom(2);
    const run1 = run([path], cache);
    await held.stored;
    run1.child.kill("SIGINT");
    expect(await run1.exit).toBe(130);
    held.release();
    stopIntercepting?.();
    expect(await records(cache)).toHaveLength(1);
    expect((await fixture.listUploads()).filter((u) => u.key.endsWith("later.bin"))).toHaveLength(1);

    const cancel = run([path, "--cancel"], cache);
    expect(await cancel.exit).toBe(0);
    expect(cancel.stderr()).toMatch(/aborted the stored upload of .*later\.bin and removed its resume record/);
    expect(await records(cache)).toEqual([]);
    expect((await fixture.listUploads()).filter((u) => u.key.endsWith("later.bin"))).toEqual([]);
  });

  it("streams standard input (-) of unknown length", async () => {
    const cache = await mkdtemp(join(dir, "cache-"));
    const data = pseudoRandomBytes(11 * MiB + 5, 4);
    const piped = run(["-", "--name", "piped.bin"], cache, data);
    expect(await piped.exit).toBe(0);
    const [key] = piped.stdout().trim().split("\n");
    expect(key).toMatch(/piped\.bin$/);
    expect(Buffer.from((await fixture.getObject(key as string)) ?? []).equals(data)).toBe(true);
  });

  it("says what is wrong with the command line (exit 2)", async () => {
    const cache = await mkdtemp(join(dir, "cache-"));
    const bad = run(["a.bin", "b.bin"], cache);
    expect(await bad.exit).toBe(2);
    expect(bad.stderr()).toMatch(/one file at a time/);
    const missing = run([join(dir, "nope.bin")], cache);
    expect(await missing.exit).toBe(1);
    expect(missing.stderr()).toMatch(/InvalidInput: Cannot upload .*nope\.bin: no such file/);
  });
});
