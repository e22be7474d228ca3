/**
 * Upload a file from Node through your signing endpoint, with progress, resume
 * after a crash (the default file store), and Ctrl+C cancelling cleanly.
 *
 *   node upload-file.js https://app.example.com/api/s3edge ./video.mp4
 */
import { createUploader, isS3EdgeError } from "s3edge";

const [endpoint, path] = process.argv.slice(2);
if (!endpoint || !path) {
  console.error("usage: upload-file <endpoint> <path>");
  process.exit(2);
}

const uploader = createUploader({
  endpoint,
  headers: { authorization: `Bearer ${process.env["APP_TOKEN"] ?? ""}` },
});
const upload = uploader.add(path);
process.on("SIGINT", () => void upload.cancel());

upload.on("restart", ({ reason }) => console.log(`starting over (${reason})`));
upload.subscribe((s) => {
  const pct = s.total ? ((100 * s.loaded) / s.total).toFixed(1) : "?";
  const speed = (s.speed / 2 ** 20).toFixed(1);
  process.stdout.write(`\r${s.status} ${pct}% ${speed} MiB/s${s.resumed ? " (resumed)" : ""}${s.offline ? " (waiting for network)" : ""}   `);
});

try {
  const { key, cdnUrl, s3Url } = await upload.done();
  console.log(`\nstored as ${key}\n  ${cdnUrl ?? s3Url}`);
} catch (error) {
  console.error(`\n${isS3EdgeError(error) ? `${error.code}: ${error.message}` : String(error)}`);
  process.exitCode = 1;
}
