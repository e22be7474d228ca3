/**
 * An upload's resume record in the store: updated as each part is stored
 * (writes serialised, failures ignored: the upload goes on without resume),
 * and removed when the upload is over.
 */
import type { Part } from "./send-part.js";
import type { Session } from "./session.js";
import type { ResumeStore, UploadSource } from "./types.js";

/** Keeps one upload's record in its store. */
export class RecordKeeper {
  readonly #store: ResumeStore | undefined;
  #saving: Promise<void> = Promise.resolve();

  constructor(store: ResumeStore | undefined) {
    this.#store = store;
  }

  /** Record a stored part in the session's record, when the upload is resumable. */
  save(session: Session | undefined, part: Part & { etag: string }): void {
    const record = session?.mode === "multipart" ? session.record : undefined;
    const store = this.#store;
    if (!record || !store) return;
    record.parts.push({
      partNumber: part.n,
      etag: part.etag,
      size: part.size,
      ...(part.checksum && { checksum: part.checksum }),
    });
    this.#saving = this.#saving.then(() => store.set(record)).catch(() => undefined);
  }

  /** Remove the record of `source`, once the writes still queued are done (they would bring it back). */
  async forget(source: UploadSource): Promise<void> {
    const store = this.#store;
    if (!source.fingerprint || !store) return;
    await this.#saving;
    await store.remove(source.fingerprint).catch(() => undefined);
  }
}
