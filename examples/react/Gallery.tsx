/**
 * React: upload with a progress bar, and images that keep loading when the CDN
 * fails, with <EdgeImage> (CDN first; the next host on an error, a placeholder
 * status, 3 s without an answer, or the breaker opening; one breaker shared by
 * every image, persisted so that the next page load skips a CDN found down).
 */
import { useState } from "react";
import { createEdge, createUploader, type Upload } from "s3edge";
import { EdgeImage, EdgeProvider, useObservable, useUpload, useUploader } from "s3edge/react";

const uploader = createUploader({ endpoint: "/api/s3edge" });
// In a page its breaker is persisted (localStorage) and shared with the other tabs.
const edge = createEdge({ cdn: "https://cdn.example.com", origin: { bucket: "my-uploads", region: "eu-west-1" } });

function Row({ upload }: { upload: Upload }) {
  const s = useUpload(upload);
  if (!s) return null;
  return (
    <li>
      {s.filename} <progress value={s.loaded} max={s.total ?? 1} /> {s.status}
      {s.status === "uploading" && <button onClick={() => upload.pause()}>pause</button>}
      {s.status === "paused" && <button onClick={() => upload.resume()}>resume</button>}
      {s.error && <em> {s.error.message}</em>}
    </li>
  );
}

function Uploads() {
  const state = useUploader(uploader);
  const health = useObservable(edge);
  const [uploads, setUploads] = useState<Upload[]>([]);
  return (
    <section>
      <input
        type="file"
        multiple
        onChange={(e) => setUploads((u) => [...u, ...uploader.addAll(e.target.files ?? [])])}
      />
      <ul>
        {uploads.map((u) => (
          <Row key={u.id} upload={u} />
        ))}
      </ul>
      <p>
        {health.hosts
          .filter((h) => h.state !== "closed")
          .map((h) => `${h.source} ${h.state}`)
          .join(", ")}
      </p>
      {state.uploads
        .filter((u) => u.status === "done" && u.key)
        .map((u) => (
          <EdgeImage key={u.id} objectKey={u.key as string} alt={u.filename} loading="lazy" width={240} />
        ))}
    </section>
  );
}

export function Gallery() {
  return (
    <EdgeProvider edge={edge}>
      <Uploads />
    </EdgeProvider>
  );
}
