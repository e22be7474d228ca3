/** XMLHttpRequest transport (browsers): the only way to get byte-level upload progress. */
import { ConfigError, NetworkError } from "../../core/errors.js";
import type { Transport } from "../types.js";

/** Send parts with XHR, reporting `upload.onprogress`. */
export function xhrTransport(): Transport {
  return {
    reportsProgress: true,
    put({ url, headers, body, signal, onProgress }) {
      if (typeof XMLHttpRequest === "undefined") {
        return Promise.reject(new ConfigError("transport", 'transport "xhr" needs XMLHttpRequest, which exists only in browsers: use "auto" or "fetch"'));
      }
      return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        const onAbort = (): void => xhr.abort();
        xhr.open("PUT", url, true);
        for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
        xhr.upload.onprogress = (event) => onProgress(event.loaded);
        xhr.onload = () => {
          signal.removeEventListener("abort", onAbort);
          resolve({
            status: xhr.status,
            etag: xhr.getResponseHeader("ETag"),
            body: typeof xhr.responseText === "string" ? xhr.responseText : "",
            header: (name) => xhr.getResponseHeader(name),
          });
        };
        xhr.onerror = () => {
          signal.removeEventListener("abort", onAbort);
          reject(new NetworkError("PUT to S3 failed before an answer (network error, or a CORS refusal)"));
        };
        xhr.onabort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        if (signal.aborted) xhr.abort();
        else xhr.send(body as XMLHttpRequestBodyInit);
      });
    },
  };
}
