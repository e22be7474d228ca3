/** The one place a {@link SourceChangedError} is built, so that every source words it alike. */
import { SourceChangedError } from "../../core/errors.js";

/** `name` changed while it was uploaded; `what` says how. */
export function sourceChanged(name: string, what: string): SourceChangedError {
  return new SourceChangedError(
    `${name} changed while it was uploaded (${what}); the upload is aborted rather than stored half old, half new`,
  );
}
