/** The React app of the <EdgeImage> Chromium suite: a grid of EdgeImage, optionally re-rendered all the time. */
import { useEffect, useRef, useState } from "react";
import { createHostHealth } from "../../src/core/health.js";
import { createEdge, type Edge } from "../../src/index.js";
import { EdgeImage, EdgeProvider } from "../../src/react.js";

/** What the page tells the app. */
export interface AppConfig {
  cdn: string;
  origin: { endpoint: string; bucket: string };
  /** Objects to show, with their decoded width (for the test's check). */
  images: Array<{ key: string; width: number; height: number }>;
  timeoutMs?: number;
  /** Re-render the whole grid this often (ms), as an upload's progress would. */
  rerenderEveryMs?: number;
  /** Persist health (default true). */
  persist?: boolean;
  /** Images added one by one afterwards (every `insertEveryMs`, default 150). */
  insert?: Array<{ key: string; width: number; height: number }>;
  insertEveryMs?: number;
}

/** An edge for the page: createEdge's default breaker, persisted in a page (unless `persist: false`). */
export function makeEdge(config: AppConfig, server = false): Edge {
  const edge = createEdge({
    cdn: config.cdn,
    origin: config.origin,
    timeoutMs: config.timeoutMs ?? 1500,
    ...(config.persist === false && { health: createHostHealth() }),
  });
  if (!server) {
    const log: unknown[] = ((globalThis as { __events?: unknown[] }).__events = []);
    edge.on("fallback", (e) => log.push({ key: e.key, reason: e.reason, status: e.status }));
  }
  return edge;
}

function Grid({ config }: { config: AppConfig }) {
  const [tick, setTick] = useState(0);
  const [added, setAdded] = useState(0);
  useEffect(() => {
    const more = config.insert?.length ?? 0;
    if (more === 0) return;
    const t = setInterval(() => setAdded((n) => (n < more ? n + 1 : n)), config.insertEveryMs ?? 150);
    return () => clearInterval(t);
  }, [config.insert, config.insertEveryMs]);
  const images = [...config.images, ...(config.insert ?? []).slice(0, added)];
  const first = useRef<HTMLImageElement>(null);
  useEffect(() => {
    if (!config.rerenderEveryMs) return;
    const t = setInterval(() => setTick((n) => n + 1), config.rerenderEveryMs);
    return () => clearInterval(t);
  }, [config.rerenderEveryMs]);
  useEffect(() => {
    (globalThis as { __firstRef?: string }).__firstRef = first.current?.tagName ?? "none";
  }, []);
  return (
    <div id="grid" data-tick={tick}>
      {images.map((o, i) => (
        <EdgeImage
          key={o.key}
          ref={i === 0 ? first : undefined}
          objectKey={o.key}
          alt={o.key}
          width={o.width}
          height={o.height}
          data-w={o.width}
          decoding="async"
        />
      ))}
    </div>
  );
}

/** The app: one provider, one edge. */
export function App({ config, edge }: { config: AppConfig; edge: Edge }) {
  return (
    <EdgeProvider edge={edge}>
      <Grid config={config} />
    </EdgeProvider>
  );
}
