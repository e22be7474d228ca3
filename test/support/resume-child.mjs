// Child process for the crash/resume test: uploads a file with a file store and
// kills itself with SIGKILL right after part N is acknowledged (a crash, not a cancel).
// Usage: node resume-child.mjs <endpoint> <path> <storeDir> <killAfterParts>
import { createUploader, fileStore } from "../../dist/node.js";

const [endpoint, path, storeDir, killAfter] = process.argv.slice(2);
const uploader = createUploader({ endpoint, store: fileStore(storeDir), concurrency: 1 });
const upload = uploader.add(path);
let parts = 0;
upload.on("part", ({ partNumber }) => {
  process.stdout.write(`part ${partNumber}\n`);
  if (++parts >= Number(killAfter)) process.kill(process.pid, "SIGKILL");
});
upload.done().then(
  () => process.stdout.write("done\n"),
  (error) => {
    process.stderr.write(`${error.code}: ${error.message}\n`);
    process.exit(2);
  },
);
