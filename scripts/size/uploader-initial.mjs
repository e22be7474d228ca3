/**
 * esbuild config of the size-limit check "createUploader only, initial load"
 * (.size-limit.json): `{ createUploader }` from dist/index.js, bundled and
 * minified as size-limit does, with every dynamic `import()` left out. That is
 * what a page that uploads files loads up front: the chunks s3edge loads only
 * when needed (stream sources, resuming a stored upload, CRC32, the IndexedDB
 * spill, the messages of failures and warnings) are fetched by an app's bundler
 * on first use. The check beside it measures everything, lazy chunks included.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Leaves every dynamically imported module out of the bundle. */
const lazyChunksLeftOut = {
  name: "lazy-chunks-left-out",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) =>
      args.kind === "dynamic-import" ? { path: args.path, external: true } : undefined,
    );
  },
};

export default {
  stdin: {
    contents: 'import { createUploader } from "./dist/index.js";\nconsole.log(createUploader);\n',
    resolveDir: root,
    loader: "js",
  },
  bundle: true,
  format: "esm",
  minifyIdentifiers: true,
  minifySyntax: true,
  minifyWhitespace: true,
  treeShaking: true,
  outfile: join(mkdtempSync(join(tmpdir(), "size-limit-uploader-")), "index.js"),
  write: true,
  plugins: [lazyChunksLeftOut],
};
