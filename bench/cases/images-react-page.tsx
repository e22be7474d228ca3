/**
 * Browser entry of the images bench's React pages (bundled by bench/cases/images.ts with esbuild):
 * a grid of `<EdgeImage>` (s3edge/react), or of react-image's `<Img src={[cdnUrl, s3Url]}>` (its
 * multi-source fallback: the next URL after an `error`, no timer), per `window.__config.kind`.
 */
import { createRoot } from "react-dom/client";
import { Img } from "react-image";
import { createEdge } from "../../src/index.js";
import { EdgeImage, EdgeProvider } from "../../src/react.js";

/** What the bench page tells the app. */
export interface ReactBenchConfig {
  kind: "edge-image" | "react-image";
  cdn: string;
  origin: { endpoint: string; bucket: string };
  images: Array<{ key: string; width: number; height: number }>;
  timeoutMs: number;
}

const config = (globalThis as unknown as { __config: ReactBenchConfig }).__config;
const root = createRoot(document.getElementById("root") as HTMLElement);
const s3Url = (key: string): string => `${config.origin.endpoint}/${config.origin.bucket}/${key}`;

if (config.kind === "edge-image") {
  const edge = createEdge({ cdn: config.cdn, origin: config.origin, timeoutMs: config.timeoutMs });
  root.render(
    <EdgeProvider edge={edge}>
      {config.images.map((o) => (
        <EdgeImage key={o.key} objectKey={o.key} alt={o.key} width={o.width} height={o.height} data-w={o.width} />
      ))}
    </EdgeProvider>,
  );
} else {
  root.render(
    config.images.map((o) => (
      <Img
        key={o.key}
        src={[`${config.cdn}/${o.key}`, s3Url(o.key)]}
        alt={o.key}
        width={o.width}
        height={o.height}
        data-w={o.width}
      />
    )),
  );
}
