/** XMLHttpRequest transport (browsers): the only way to get byte-level upload progress. */
import { ConfigError, NetworkError } from "../../core/errors.js";
import type { Transport } from "../types.js";

/**
 * Header lookup over the headers CORS exposes. `getResponseHeader` of a header
 * CORS hides returns null but also logs "Refused to get unsafe header" in the
 * console on every PUT; `getAllResponseHeaders` lists only the exposed ones.
 */
function exposedHeaders(xhr: XMLHttpRequest): (name: string) => string | null {
  let map: Map<string, string> | undefined;
  return (name) => {
    if (map === undefined) {
      map = new Map();
      for (const line of xhr.getAllResponseHeaders().split(/\r?\n/)) {
        const at = line.indexOf(":");
        if (at > 0) map.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
      }
    }
    return map.get(name.toLowerCase()) ?? null;
  };
}

/** Send parts with XHR, reporting `upload.onprogress`. */
export function xhrTransport(): Transport {
  return {
    reportsProgress: true,
    put({ url, headers, body, signal, onProgress }) {
      if (typeof XMLHttpRequest === "undefined") {
        return Promise.reject(
          new ConfigError(
            "transport",
            'transport "xhr" needs XMLHttpRequest, which exists only in browsers: use "auto" or "fetch"',
          ),
        );
      }
      // An XHR aborted before send() fires no event at all (the standard says so; Chromium does so):
      // a request whose signal is already aborted is refused here, or its promise would never settle.
      if (signal.aborted) return Promise.reject(signal.reason);
      return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        const onAbort = (): void => xhr.abort();
        xhr.open("PUT", url, true);
        for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
        xhr.upload.onprogress = (event) => onProgress(event.loaded);
        xhr.onload = () => {
          signal.removeEventListener("abort", onAbort);
          const header = exposedHeaders(xhr);
          resolve({
            status: xhr.status,
            etag: header("etag"),
            body: typeof xhr.responseText === "string" ? xhr.responseText : "",
            header,
          });
        };
        xhr.onerror = () => {
          signal.removeEventListener("abort", onAbort);
          reject(new NetworkError("PUT to S3 failed before an answer (network error, or a CORS refusal)"));
        };
        xhr.onabort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        xhr.send(body as XMLHttpRequestBodyInit);
      });
    },
  };
}
