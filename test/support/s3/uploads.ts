/**
 * Read and delete access to s3rver 3.7.1's on-disk multipart state.
 *
 * s3rver's FilesystemStore keeps an upload in progress at
 * `<directory>/<bucket>/._S3rver_uploads/<uploadId>/` with the files
 * `key` (the object key, UTF-8), `metadata` (request headers as JSON), and per part
 * `<partNumber>` (bytes) and `<partNumber>.md5` (hex MD5, written once the part is complete).
 * On CompleteMultipartUpload it concatenates the named parts and removes the folder.
 */
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";

/** An upload in progress. */
export interface UploadInfo {
  uploadId: string;
  key: string;
  initiated: Date;
}

/** A stored part of an upload in progress. */
export interface PartInfo {
  partNumber: number;
  /** Quoted hex MD5, as S3 sends ETags: `"9e107d9d372bb6826bd81d3542a419d6"`. */
  etag: string;
  size: number;
  lastModified: Date;
}

const UPLOAD_ID = /^[A-Za-z0-9_-]{1,128}$/;

function isMissing(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    "code" in error &&
    (error.code === "ENOENT" || error.code === "ENOTDIR")
  );
}

/** The uploads of one bucket in an s3rver directory. */
export class UploadStore {
  /** `directory` is s3rver's root directory; `bucket` the bucket whose uploads are read. */
  constructor(
    readonly directory: string,
    readonly bucket: string,
  ) {}

  /** Folder holding all uploads in progress. */
  get root(): string {
    return join(this.directory, this.bucket, "._S3rver_uploads");
  }

  /** The upload, or `undefined` when unknown, aborted or completed (or the id is not a plausible id). */
  async get(uploadId: string): Promise<UploadInfo | undefined> {
    if (!UPLOAD_ID.test(uploadId)) return undefined;
    const keyPath = join(this.root, uploadId, "key");
    try {
      const [key, info] = await Promise.all([readFile(keyPath, "utf8"), stat(keyPath)]);
      return { uploadId, key, initiated: info.mtime };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** All uploads in progress, sorted by key then initiation time (S3's ListMultipartUploads order). */
  async list(): Promise<UploadInfo[]> {
    let ids: string[];
    try {
      ids = await readdir(this.root);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const uploads = (await Promise.all(ids.map((id) => this.get(id)))).filter(
      (upload): upload is UploadInfo => upload !== undefined,
    );
    return uploads.sort((a, b) =>
      a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated.getTime() - b.initiated.getTime(),
    );
  }

  /** Completed parts of an upload, ascending by part number (a part still being written is left out). */
  async parts(uploadId: string): Promise<PartInfo[]> {
    if (!UPLOAD_ID.test(uploadId)) return [];
    const dir = join(this.root, uploadId);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const parts = await Promise.all(
      names
        .filter((name) => /^\d+$/.test(name))
        .map(async (name): Promise<PartInfo | undefined> => {
          try {
            const [md5, info] = await Promise.all([readFile(join(dir, `${name}.md5`), "utf8"), stat(join(dir, name))]);
            return { partNumber: Number(name), etag: `"${md5.trim()}"`, size: info.size, lastModified: info.mtime };
          } catch (error) {
            if (isMissing(error)) return undefined;
            throw error;
          }
        }),
    );
    return parts.filter((part): part is PartInfo => part !== undefined).sort((a, b) => a.partNumber - b.partNumber);
  }

  /** Removes an upload and its parts. */
  async remove(uploadId: string): Promise<void> {
    if (!UPLOAD_ID.test(uploadId)) return;
    await rm(join(this.root, uploadId), { recursive: true, force: true });
  }
}
