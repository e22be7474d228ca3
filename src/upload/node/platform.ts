/** Node wiring: paths, Node streams, the keep-alive node:http transport and the file store. */
import { InvalidInputError } from "../../core/errors.js";
import type { Platform } from "../context.js";
import { commonSource, refuse } from "../sources/index.js";
import { fileStore } from "./file-store.js";
import { nodeHttpTransport } from "./http-transport.js";
import { pathSource } from "./path-source.js";
import { fetchTransport } from "../transports/fetch.js";

/** The Node platform of the uploader. */
export const nodePlatform: Platform = {
  // Not async: a Blob's or bytes' source is made at once (the upload's create then leaves within `add()`).
  toSource(input, options) {
    if (typeof input === "string") {
      return input
        ? pathSource(input, options.filename)
        : Promise.reject(new InvalidInputError("Cannot upload an empty path"));
    }
    return commonSource(input, options) ?? refuse(input);
  },
  transport: (fetchImpl) => (fetchImpl ? fetchTransport(fetchImpl) : nodeHttpTransport()),
  store: () => fileStore(),
  offline: () => undefined,
  onLine: () => undefined,
};
