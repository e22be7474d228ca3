/**
 * The uploader's `create`: each upload's own request until a server answer
 * announces `createMany`; from then on the create queue (`create-queue.ts`,
 * loaded only then), which sends the creates of one task together. Until the
 * queue's code is there, creates keep going alone: nothing waits for it.
 */
import { createManyLimit, type CreateManyError } from "../core/protocol.js";
import type { EndpointCall } from "../endpoint/client.js";
import type { CreateCall } from "./create-queue.js";

/** The {@link CreateCall} of an uploader. */
export function uploaderCreates(call: EndpointCall, fileError: (result: CreateManyError) => Error): CreateCall {
  let queue: CreateCall | undefined;
  let loading: Promise<void> | undefined;
  return (file, signal) =>
    queue
      ? queue(file, signal)
      : call("create", file, signal).then((answer) => {
          const most = createManyLimit(answer.createMany);
          if (most > 1) {
            loading ??= import("./create-queue.js").then(
              (m) => void (queue = m.createQueue({ call, fileError, most })),
              () => undefined, // the chunk did not load: creates go on alone
            );
          }
          return answer;
        });
}
