/**
 * The server-only packages s3edge/server uses (`@aws-sdk/client-s3`,
 * `@aws-sdk/s3-request-presigner`, `@smithy/signature-v4`, `@aws-sdk/lib-storage`)
 * are optional peer dependencies: a browser-only app never installs them. They
 * are imported as types at the top of each module and loaded here, with
 * `import()`, on the first request that needs them. A missing one becomes a
 * {@link ConfigError} naming the package and the `npm install` command, not a
 * raw module-not-found. Tests inject a {@link ModuleLoader} to simulate that.
 */
import type * as ClientS3 from "@aws-sdk/client-s3";
import type * as LibStorage from "@aws-sdk/lib-storage";
import type * as Presigner from "@aws-sdk/s3-request-presigner";
import type * as SigV4 from "@smithy/signature-v4";

import { ConfigError } from "../core/errors.js";

/** Each optional package and the module it is loaded as. */
export interface SdkModules {
  "@aws-sdk/client-s3": typeof ClientS3;
  "@aws-sdk/s3-request-presigner": typeof Presigner;
  "@smithy/signature-v4": typeof SigV4;
  "@aws-sdk/lib-storage": typeof LibStorage;
}

/** The name of an optional package. */
export type SdkPackage = keyof SdkModules;

/** Loads one optional package (the default is a plain `import()`). */
export type ModuleLoader = <P extends SdkPackage>(name: P) => Promise<SdkModules[P]>;

/** Literal specifiers, so that bundlers see every package. */
const IMPORTERS: { readonly [P in SdkPackage]: () => Promise<SdkModules[P]> } = {
  "@aws-sdk/client-s3": () => import("@aws-sdk/client-s3"),
  "@aws-sdk/s3-request-presigner": () => import("@aws-sdk/s3-request-presigner"),
  "@smithy/signature-v4": () => import("@smithy/signature-v4"),
  // Only `signer.upload` needs lib-storage, and apps that never call it do not install it: tell
  // bundlers (webpack/Next.js, Turbopack) not to resolve it at build time ("Can't resolve").
  "@aws-sdk/lib-storage": () => import(/* webpackIgnore: true */ /* turbopackIgnore: true */ "@aws-sdk/lib-storage"),
};

/** The default loader: `import()` of the package. */
export const importModule: ModuleLoader = (name) => IMPORTERS[name]();

/** The packages the signer needs (every operation): one command installs them all. */
export const SIGNER_PACKAGES: readonly SdkPackage[] = [
  "@aws-sdk/client-s3",
  "@aws-sdk/s3-request-presigner",
  "@smithy/signature-v4",
];

/** What the signer's operations use of the SDK. */
export interface SignerSdk {
  s3: typeof ClientS3;
  presigner: typeof Presigner;
  sigv4: typeof SigV4;
}

/** The loaded SDK and the S3 client the signer works with. */
export interface Aws {
  readonly sdk: SignerSdk;
  readonly client: ClientS3.S3Client;
}

function isModuleNotFound(error: unknown, name: string): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return true;
  return (
    typeof message === "string" &&
    /cannot find (module|package)|failed to resolve/i.test(message) &&
    message.includes(name)
  );
}

/** The error for a package that is not installed. */
export function missingPackage(name: SdkPackage, install: readonly SdkPackage[], cause?: unknown): ConfigError {
  const what = name === "@aws-sdk/lib-storage" ? "signer.upload" : "the signer";
  return new ConfigError(
    name,
    `${name} is not installed: ${what} needs it (s3edge/server's AWS packages are optional peer dependencies, ` +
      `so that browser-only apps do not install them). Run: npm install ${install.join(" ")}`,
    cause === undefined ? {} : { cause },
  );
}

/** Load one package, turning "not installed" into a {@link ConfigError} whose command installs `install`. */
export async function loadPackage<P extends SdkPackage>(
  load: ModuleLoader,
  name: P,
  install: readonly SdkPackage[] = [name],
): Promise<SdkModules[P]> {
  try {
    return await load(name);
  } catch (error) {
    if (isModuleNotFound(error, name)) throw missingPackage(name, install, error);
    throw error;
  }
}

/** Load what the signer's operations need. */
export async function loadSignerSdk(load: ModuleLoader): Promise<SignerSdk> {
  const [s3, presigner, sigv4] = await Promise.all([
    loadPackage(load, "@aws-sdk/client-s3", SIGNER_PACKAGES),
    loadPackage(load, "@aws-sdk/s3-request-presigner", SIGNER_PACKAGES),
    loadPackage(load, "@smithy/signature-v4", SIGNER_PACKAGES),
  ]);
  return { s3, presigner, sigv4 };
}
