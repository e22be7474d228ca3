/**
 * React: upload with a progress bar, and images that keep loading when the CDN
 * fails (CDN first, S3 after an error or 3 s; one breaker shared by all images).
 */
import { useState } from "react";
import { createEdge, createUploader, type Upload } from "s3edge";
import { useObservable, useUpload, useUploader } from "s3edge/react";

const uploader = createUploader({ endpoint: "/api/s3edge" });
const edge = createEdge({ cdn: "https://cdn.example.com", origin: { bucket: "my-uploads", region: "eu-west-1" } });

function EdgeImage({ k, alt }: { k: string; alt: string }) {
  const [attempt, setAttempt] = useState(0);
  const urls = edge.urls(k);
  const url = urls[attempt];
  if (!url) return <span>unavailable</span>;
  const next = (reason: string) => {
    edge.report(url, false, reason);
    setAttempt((a) => a + 1);
  };
  return (
    <img
      key={url}
      src={url}
      alt={alt}
      ref={(img) => {
        if (!img) return undefined;
        // A hung CDN never fires `error`: only a timer of ours moves on.
        const timer = setTimeout(() => !img.complete && next("timeout"), edge.timeoutMs);
        return () => clearTimeout(timer);
      }}
      onLoad={() => edge.report(url, true)}
      onError={() => next("error")}
    />
  );
}

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

export function Gallery() {
  const state = useUploader(uploader);
  const health = useObservable(edge);
  const [uploads, setUploads] = useState<Upload[]>([]);
  return (
    <section>
      <input type="file" multiple onChange={(e) => setUploads((u) => [...u, ...[...(e.target.files ?? [])].map((f) => uploader.add(f))])} />
      <ul>{uploads.map((u) => <Row key={u.id} upload={u} />)}</ul>
      <p>{health.hosts.filter((h) => h.state !== "closed").map((h) => `${h.source} ${h.state}`).join(", ")}</p>
      {state.uploads
        .filter((u) => u.status === "done" && u.key)
        .map((u) => <EdgeImage key={u.id} k={u.key as string} alt={u.filename} />)}
    </section>
  );
}
