/** The command line of `s3edge-upload`, parsed (pure: no I/O, so that it is tested on its own). */
import { parseArgs } from "node:util";

/** What `s3edge-upload` was asked to do. */
export interface CliOptions {
  /** A file path, or "-" for standard input. */
  input: string;
  endpoint: string;
  headers: Record<string, string>;
  partSize: number | undefined;
  concurrency: number | undefined;
  /** Give up the stored upload of `input` instead of uploading it. */
  cancel: boolean;
  /** File name sent to the server (default: the file's base name; "stdin" for `-`). */
  name: string | undefined;
  contentType: string | undefined;
  /** Declared length of standard input, when known. */
  size: number | undefined;
  /** No progress bar. */
  quiet: boolean;
}

export const USAGE = `usage: s3edge-upload <file|-> --endpoint URL [options]

Uploads a file (or standard input, "-") through an s3edge/server signing endpoint.
Ctrl-C pauses and keeps the resume record: run the same command again to continue.
A second Ctrl-C (within 2 s), or --cancel, aborts the upload and removes the record.

  --endpoint URL        the signing endpoint (or S3EDGE_ENDPOINT)
  --header "k: v"       a header for the endpoint, repeatable (e.g. authorization)
  --part-size SIZE      preferred part size: bytes, or 8MiB, 16M... (5 MiB to 5 GiB)
  --concurrency N       parts in flight (default 4)
  --name NAME           file name sent to the server
  --content-type TYPE   content type (default: from the file name)
  --size BYTES          length of standard input, when known
  --cancel              abort the stored upload of <file> and forget it; uploads nothing
  --quiet               no progress bar
  --help                this text`;

/** A usage error: the message, then the usage, exit code 2. */
export class UsageError extends Error {}

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1e9,
  gib: 1024 ** 3,
};

/** Bytes of "8388608", "8MiB", "8M" (binary), "8MB" (decimal). */
export function parseBytes(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = UNITS[(match?.[2] ?? "").toLowerCase()];
  const bytes = match && unit !== undefined ? Math.round(Number(match[1]) * unit) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 0)
    throw new UsageError(`${what} must be a number of bytes (e.g. 8388608 or 8MiB), got "${text}"`);
  return bytes;
}

/** Parse `argv` (without node and the script) and `env`; throws {@link UsageError}. */
export function parseCli(argv: readonly string[], env: Record<string, string | undefined> = {}): CliOptions | "help" {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length ? `one file at a time, got ${positionals.length}` : "which file? (or - for standard input)",
    );
  const endpoint = values.endpoint ?? env["S3EDGE_ENDPOINT"];
  if (!endpoint) throw new UsageError("--endpoint URL is required (the URL of your s3edge/server endpoint)");
  const headers: Record<string, string> = {};
  for (const header of values.header ?? []) {
    const colon = header.indexOf(":");
    if (colon < 1) throw new UsageError(`--header must be "name: value", got "${header}"`);
    headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
  }
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1))
    throw new UsageError(`--concurrency must be a whole number >= 1, got "${values.concurrency}"`);
  const input = positionals[0] as string;
  if (values.cancel && input === "-")
    throw new UsageError("--cancel needs a file: standard input is never stored for resuming");
  return {
    input,
    endpoint,
    headers,
    partSize: values["part-size"] === undefined ? undefined : parseBytes(values["part-size"], "--part-size"),
    concurrency,
    cancel: values.cancel ?? false,
    name: values.name,
    contentType: values["content-type"],
    size: values.size === undefined ? undefined : parseBytes(values.size, "--size"),
    quiet: values.quiet ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      endpoint: { type: "string" },
      header: { type: "string", multiple: true },
      "part-size": { type: "string" },
      concurrency: { type: "string" },
      cancel: { type: "boolean" },
      name: { type: "string" },
      "content-type": { type: "string" },
      size: { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}
