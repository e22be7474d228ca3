/**
 * `s3edge-upload`: upload a file (or standard input) from a terminal through
 * an s3edge/server signing endpoint, with a progress bar (speed, ETA), resume
 * after an interruption, and a Ctrl-C that pauses instead of throwing the
 * upload away. Built by tsup into the package as `dist/cli.js` (the `bin`),
 * so `npx s3edge-upload` runs it on Node 20, 22 and 24 without a loader:
 *
 *   s3edge-upload ./video.mp4 --endpoint https://app.example.com/api/s3edge --header "authorization: Bearer $TOKEN"
 *   tar c photos | s3edge-upload - --name photos.tar --endpoint https://app.example.com/api/s3edge
 *
 * Ctrl-C: pauses (the parts in flight stop), keeps the resume record and exits
 * 130; the same command later continues where S3 stopped. A second Ctrl-C
 * within 2 s, or `--cancel`, aborts the multipart upload and removes the
 * record. Standard input cannot be resumed: Ctrl-C aborts it.
 */
import { createUploader, isS3EdgeError, type Upload, type Uploader } from "s3edge";
import { USAGE, UsageError, parseCli, type CliOptions } from "./cli-args.js";
import { formatProgress } from "./progress-bar.js";

/** Time after the first Ctrl-C during which a second one aborts instead of keeping the upload. */
const GRACE_MS = 2000;

const err = process.stderr;
const say = (line: string): void => void err.write(`${line}\n`);

async function main(argv: readonly string[]): Promise<number> {
  let options: CliOptions | "help";
  try {
    options = parseCli(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    say(`s3edge-upload: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const uploader = createUploader({
    endpoint: options.endpoint,
    headers: options.headers,
    ...(options.partSize !== undefined && { partSize: options.partSize }),
    ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
  });
  const stdin = options.input === "-";
  const filename = options.name ?? (stdin ? "stdin" : undefined);
  const add = {
    ...(filename !== undefined && { filename }),
    ...(options.contentType !== undefined && { contentType: options.contentType }),
    ...(options.size !== undefined && { size: options.size }),
  };

  if (options.cancel) {
    const had = await uploader.discard(options.input, add);
    say(
      had
        ? `aborted the stored upload of ${options.input} and removed its resume record`
        : `no stored upload of ${options.input}`,
    );
    return 0;
  }

  const upload = uploader.add(stdin ? process.stdin : options.input, add);
  const bar = progress(upload, options.quiet);
  const told = upload.subscribe((s) => {
    if (s.resumed && s.partCount !== null) {
      told();
      bar.note(`resuming: ${s.partsDone} of ${s.partCount} parts already on S3`);
    }
  });
  upload.on("restart", ({ reason }) => bar.note(`the stored upload cannot be continued (${reason}): starting over`));
  upload.on("retry", ({ attempt, delayMs, offline, error }) =>
    bar.note(
      offline
        ? `network down, waiting (${error.code})`
        : `retry ${attempt} in ${Math.round(delayMs ?? 0)} ms: ${error.message}`,
    ),
  );
  const interrupted = onInterrupt(uploader, upload, stdin, bar);
  try {
    const result = await Promise.race([upload.done(), interrupted]);
    bar.stop();
    if (typeof result === "number") return result;
    process.stdout.write(`${result.key}\n${result.cdnUrl ?? result.s3Url}\n`);
    return 0;
  } catch (error) {
    // Aborted by a second Ctrl-C: the interrupt handler reports it and decides the exit code.
    if (upload.getState().status === "cancelled") return interrupted;
    bar.stop();
    say(isS3EdgeError(error) ? `s3edge-upload: ${error.code}: ${error.message}` : `s3edge-upload: ${String(error)}`);
    const { key } = upload.getState();
    if (!stdin && key !== undefined && (await uploader.resumable()).some((r) => r.key === key)) {
      say("the resume record is kept: run the same command to continue, or add --cancel to give up");
    }
    return 1;
  }
}

/** First Ctrl-C: pause and keep the record (a file), or abort (stdin). Second Ctrl-C within GRACE_MS: abort. Resolves with the exit code. */
function onInterrupt(uploader: Uploader, upload: Upload, stdin: boolean, bar: Bar): Promise<number> {
  return new Promise((resolve) => {
    let paused = false;
    const abort = async (why: string): Promise<void> => {
      bar.stop();
      say(`${why}: aborting the upload...`);
      await upload.cancel();
      say("aborted; nothing is kept");
      resolve(130);
    };
    process.on("SIGINT", () => {
      if (stdin) return void abort("interrupted (standard input cannot be resumed)");
      if (paused) return void abort("interrupted again");
      paused = true;
      upload.pause();
      bar.stop();
      const s = upload.getState();
      say(`paused at ${s.partsDone}${s.partCount === null ? "" : `/${s.partCount}`} parts`);
      void uploader.resumable().then((records) => {
        const kept = records.some((r) => r.key === upload.getState().key);
        say(
          kept
            ? `the resume record is kept: run the same command to continue. Ctrl-C again within ${GRACE_MS / 1000} s to abort instead.`
            : `nothing to resume yet (a small file, or not started): the next run starts over. Ctrl-C again within ${GRACE_MS / 1000} s to abort.`,
        );
        setTimeout(() => resolve(130), GRACE_MS); // keeps the process alive meanwhile
      });
    });
  });
}

interface Bar {
  /** Print a line above the bar. */
  note(line: string): void;
  stop(): void;
}

/** Draws the progress line on stderr: redrawn in place on a terminal (at most 10 times a second), a line every 10 % elsewhere. */
function progress(upload: Upload, quiet: boolean): Bar {
  const tty = err.isTTY === true;
  let shown = -1;
  let last = 0;
  let stopped = false;
  const draw = (force = false): void => {
    if (quiet || stopped) return;
    const s = upload.getState();
    const now = Date.now();
    if (tty) {
      if (!force && now - last < 100) return;
      last = now;
      err.write(`\r${formatProgress(s, err.columns ?? 80)}\x1b[K`);
      return;
    }
    const decile = s.total ? Math.floor((10 * s.loaded) / s.total) : -1;
    if (force || decile > shown) {
      shown = decile;
      say(formatProgress(s, 100));
    }
  };
  const unsubscribe = upload.subscribe(() => draw());
  const timer = setInterval(() => draw(true), 1000);
  timer.unref();
  return {
    note(line) {
      if (quiet) return;
      err.write(tty ? `\r\x1b[K${line}\n` : `${line}\n`);
      draw(true);
    },
    stop() {
      if (stopped) return;
      draw(true);
      stopped = true;
      unsubscribe();
      clearInterval(timer);
      if (tty && !quiet) err.write("\n");
    },
  };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    say(`s3edge-upload: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
