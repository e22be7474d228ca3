/**
 * `fetch` transport: works everywhere, but reports progress only when a part
 * has been sent entirely (fetch has no upload progress).
 */
import { NetworkError } from "../../core/errors.js";
import { sizeOf } from "../part-body.js";
import type { Transport } from "../types.js";

/** Send parts with `fetch` (default: the global one). */
export function fetchTransport(fetchImpl: typeof fetch = globalThis.fetch): Transport {
  return {
    reportsProgress: false,
    async put({ url, headers, body, signal, onProgress }) {
      let response: Response;
      try {
        response = await fetchImpl(url, { method: "PUT", headers, body: body as BodyInit, signal });
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw new NetworkError("PUT to S3 failed before an answer", { cause: error });
      }
      const text = await response.text().catch(() => "");
      if (response.ok) onProgress(sizeOf(body));
      return {
        status: response.status,
        etag: response.headers.get("etag"),
        body: text,
        header: (name) => response.headers.get(name),
      };
    },
  };
}
