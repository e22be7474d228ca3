"use client";
// The README's quick start, step 2: the uploader at module scope with a relative endpoint.
// Next.js prerenders this page at build time, where there is no page location: the endpoint
// resolves against the page's URL at the first request, in the browser.
import { useState } from "react";
import { createUploader, type Upload } from "s3edge";
import { useUpload, useUploader } from "s3edge/react";

const uploader = createUploader({ endpoint: "/api/s3edge" });

function Row({ upload }: { upload: Upload }) {
  const s = useUpload(upload);
  if (!s) return null;
  return (
    <li>
      {s.filename} <progress value={s.loaded} max={s.total ?? 1} /> {s.status}
      {s.error && <em> {s.error.message}</em>}
    </li>
  );
}

export default function Page() {
  const { loaded, total } = useUploader(uploader);
  const [uploads, setUploads] = useState<Upload[]>([]);
  return (
    <main>
      <h1>Upload to S3</h1>
      <input
        type="file"
        multiple
        onChange={(e) => setUploads((list) => [...list, ...uploader.addAll(e.target.files ?? [])])}
      />
      <p>
        <progress value={loaded} max={total ?? 1} />
      </p>
      <ul>
        {uploads.map((u) => (
          <Row key={u.id} upload={u} />
        ))}
      </ul>
    </main>
  );
}
