/** A React page for the browser test: an uploader with a progress list, through s3edge/react. */
import { createRoot } from "react-dom/client";
import { createUploader, type Upload } from "../../src/index.js";
import { useUpload, useUploader } from "../../src/react.js";

const uploader = createUploader({ endpoint: "/s3edge", store: false });
const uploads: Upload[] = [];

function Row({ upload }: { upload: Upload }) {
  const s = useUpload(upload);
  return <li data-status={s?.status}>{`${s?.filename}: ${s?.status} ${s?.loaded}/${s?.total}`}</li>;
}

function App() {
  const state = useUploader(uploader);
  return (
    <div>
      <input
        type="file"
        id="file"
        onChange={(e) => {
          for (const f of e.target.files ?? []) uploads.push(uploader.add(f));
        }}
      />
      <p id="total">{`${state.loaded}/${state.total} active=${state.active}`}</p>
      <ul>{state.uploads.map((u) => <Row key={u.id} upload={uploads.find((x) => x.id === u.id) as Upload} />)}</ul>
    </div>
  );
}

createRoot(document.getElementById("root") as HTMLElement).render(<App />);
