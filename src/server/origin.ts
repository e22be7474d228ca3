/**
 * The S3 origin (how `s3Url` is built) when the application did not pass one:
 * derived from the S3 client's configuration, synchronously when it holds
 * plain values (custom endpoint + `forcePathStyle`, or bucket + region, with
 * dualstack / accelerate flags), else from a presigned GET the SDK builds
 * (which is authoritative for every addressing style).
 */
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import type { OriginSpec } from "../core/urls.js";

const IP_HOST = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i;

/** A client configuration's `endpoint` as a URL string, when it is a plain value. */
export function endpointString(endpoint: unknown): string | undefined {
  if (typeof endpoint === "string") return endpoint;
  if (endpoint instanceof URL) return endpoint.href;
  if (typeof endpoint !== "object" || endpoint === null) return undefined;
  const e = endpoint as { url?: unknown; protocol?: unknown; hostname?: unknown; port?: unknown; path?: unknown };
  if (e.url instanceof URL) return e.url.href;
  if (typeof e.hostname === "string" && typeof e.protocol === "string") {
    const port = typeof e.port === "number" ? `:${e.port}` : "";
    const path = typeof e.path === "string" ? e.path : "";
    return `${e.protocol.replace(/:?$/, ":")}//${e.hostname}${port}${path}`;
  }
  return undefined;
}

/**
 * The origin described by a client configuration, or `undefined` when it is
 * not known without resolving providers (e.g. the region comes from the
 * environment).
 */
export function originFromConfig(config: S3ClientConfig, bucket: string): OriginSpec | undefined {
  const pathStyle = config.forcePathStyle === true;
  if (config.endpoint !== undefined) {
    const endpoint = endpointString(config.endpoint);
    if (endpoint === undefined) return undefined;
    let host: string;
    try {
      host = new URL(endpoint).hostname;
    } catch {
      return undefined;
    }
    // The SDK addresses an IP endpoint path-style whatever forcePathStyle says.
    return { endpoint, bucket, pathStyle: pathStyle || IP_HOST.test(host) || host === "localhost" };
  }
  if (typeof config.region !== "string") return undefined;
  return {
    bucket,
    region: config.region,
    pathStyle,
    dualstack: config.useDualstackEndpoint === true,
    accelerate: config.useAccelerateEndpoint === true,
  };
}

/** The configuration an `S3Client` was built with (the SDK keeps it as `initConfig`). */
export function initialConfig(client: S3Client): S3ClientConfig | undefined {
  const init = (client as { initConfig?: unknown }).initConfig;
  return typeof init === "object" && init !== null ? (init as S3ClientConfig) : undefined;
}

/**
 * An origin derived from a presigned GET of a probe key: everything before
 * `/<probe>` is the base of every key.
 */
export function originFromPresignedUrl(url: string, probeKey: string): OriginSpec | undefined {
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  const suffix = `/${probeKey}`;
  if (!path.endsWith(suffix)) return undefined;
  const base = path.slice(0, -suffix.length);
  return (encodedKey: string) => `${base}/${encodedKey}`;
}
