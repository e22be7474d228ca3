/** Paths of the build outputs the packaging tests load. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Absolute path of `dist/<name>`; throws when it is missing (run `npm run build` first). */
export function requireBuilt(name: string): string {
  const file = join(ROOT, "dist", name);
  if (!existsSync(file)) throw new Error(`dist/${name} is missing: run \`npm run build\` first`);
  return file;
}
