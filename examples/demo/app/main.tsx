/**
 * The s3edge demo page: upload straight to S3, see every object through the CDN,
 * break the CDN and watch the page keep working. Built on the public API only
 * (`s3edge`, `s3edge/react`, `s3edge/dom`).
 */
import { StrictMode, useEffect, useMemo, useState } from "react";
import { createRoot } from "react-dom/client";
import { createEdge, createHostHealth, createUploader, type Edge } from "s3edge";
import { browserHealthStore } from "s3edge/dom";
import { EdgeProvider } from "s3edge/react";
import { onEdgeWorkerMessage } from "s3edge/sw";
import { getConfig, listObjects, MODES, setMode, type DemoConfig, type DemoMode, type ListedObject } from "./api.js";
import { CdnPanel } from "./cdn-panel.js";
import { ms } from "./format.js";
import { Gallery } from "./gallery.js";
import { SwPanel, useServiceWorker } from "./sw-panel.js";
import { telemetry } from "./telemetry.js";
import { Uploads } from "./uploads.js";
import "./styles.css";

// 5 MiB parts (S3's minimum): a 12 MiB photo goes up in 3 parts, resumable part by part.
const uploader = createUploader({ endpoint: "/api/s3edge", partSize: 5 * 1024 * 1024 });

/** Forget what this browser learned about the hosts (persisted breaker verdicts), so a mode starts fresh. */
function forgetHealth(): void {
  for (let i = localStorage.length - 1; i >= 0; i--) {
    const key = localStorage.key(i);
    if (key?.startsWith("s3edge:health:")) localStorage.removeItem(key);
  }
}

/**
 * A new edge for each round of image loads, with its breaker persisted in localStorage (what
 * `createEdge` does in browsers by default, made explicit), so a CDN found down stays known down
 * from round to round. Its S3 endpoint has a `/r<round>` prefix that the demo's S3 drops: each
 * round fetches from S3 for real instead of showing the browser's cache (CDN URLs get `?v=<round>`).
 */
function makeEdge(config: DemoConfig, round: number): Edge {
  const origin = { ...config.origin, endpoint: `${config.origin.endpoint}/r${round}` };
  return createEdge({ cdn: config.cdn, origin, health: createHostHealth({ store: browserHealthStore() }) });
}

/** The edge's events in the log; returns the function that stops listening. */
function logEdge(edge: Edge): () => void {
  const name = (host: string): string => (edge.sourceOf(`http://${host}/`) === "cdn" ? "CDN" : "S3");
  const offs = [
    edge.on("fallback", (e) => {
      const why = `${e.reason}${e.status ? ` ${e.status}` : ""}, after ${ms(e.elapsedMs)}`;
      telemetry.log("fallback", `${e.key}: ${name(e.from)} → ${name(e.to)} (${why})`);
    }),
    edge.on("recover", (e) => telemetry.log("recover", `${name(e.host)} recovered: images load from it again`)),
    edge.health.subscribe((s) => {
      if (s.state === "open") {
        const why = `${s.failures} failures${s.lastReason ? `, ${s.lastReason}` : ""}`;
        telemetry.log("down", `${name(s.host)} marked down for ${Math.round(s.cooldownMs / 1000)} s (${why})`);
      } else if (s.state === "half-open") {
        telemetry.log("info", `${name(s.host)}: cool-down over, the next image tests it`);
      }
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}

/**
 * What the service worker did for this page (CSS background, font, video): the same log lines
 * as the page's own fallbacks, marked as the worker's; returns the function that stops listening.
 */
function logWorker(edge: Edge): () => void {
  const name = (host: string): string => (edge.sourceOf(`http://${host}/`) === "cdn" ? "CDN" : "S3");
  return onEdgeWorkerMessage((m) => {
    if (m.s3edge === "recover") {
      telemetry.log("recover", `service worker: ${name(m.event.host)} recovered`);
      return;
    }
    const e = m.event;
    telemetry.workerFallback(e.url);
    const why = `${e.reason}${e.status ? ` ${e.status}` : ""}, after ${ms(e.elapsedMs)}`;
    telemetry.log("fallback", `service worker: ${e.key}: ${name(e.from)} → ${name(e.to)} (${why})`);
  });
}

function App({ initial }: { initial: DemoConfig }) {
  const [config, setConfig] = useState(initial);
  const [generation, setGeneration] = useState(0);
  const [round, setRound] = useState(0);
  const [switching, setSwitching] = useState<DemoMode | undefined>(undefined);
  const [objects, setObjects] = useState<ListedObject[]>([]);
  const edge = useMemo(() => makeEdge(config, round), [config, round]);
  const sw = useServiceWorker(config, generation);
  useEffect(() => logEdge(edge), [edge]);
  useEffect(() => logWorker(edge), [edge]);

  const refresh = (): void => void listObjects().then(setObjects, () => undefined);
  // biome-ignore lint/correctness/useExhaustiveDependencies: once, and on each finished upload.
  useEffect(() => {
    refresh();
    return uploader.on("success", refresh);
  }, []);

  const switchMode = async (mode: DemoMode): Promise<void> => {
    setSwitching(mode);
    try {
      const next = await setMode(mode);
      forgetHealth();
      telemetry.reset(
        `CDN mode: ${MODES.find((m) => m.id === mode)?.label ?? mode} (health forgotten, edge cache purged)`,
      );
      setConfig(next);
      setGeneration((g) => g + 1);
      setRound((r) => r + 1);
    } finally {
      setSwitching(undefined);
    }
  };

  return (
    <EdgeProvider edge={edge}>
      <header>
        <h1>s3edge demo</h1>
        <p>
          Uploads go straight to S3 (presigned multipart, resumable); images come from the CDN ({config.rtt.cdnMs} ms
          away) and fall back to S3 ({config.rtt.s3Ms} ms away) when the CDN fails.
        </p>
      </header>
      <main>
        <div className="left">
          <Uploads uploader={uploader} limits={config.limits} />
          <CdnPanel
            edge={edge}
            config={config}
            switching={switching}
            onMode={(m) => void switchMode(m)}
            onReloadImages={() => {
              telemetry.log("info", "images loaded again");
              setRound((r) => r + 1);
            }}
          />
        </div>
        <div className="right">
          <Gallery edge={edge} objects={objects} round={round} />
          <SwPanel edge={edge} config={config} round={round} sw={sw} />
        </div>
      </main>
    </EdgeProvider>
  );
}

const config = await getConfig();
telemetry.reset(`page loaded, CDN mode: ${MODES.find((m) => m.id === config.mode)?.label ?? config.mode}`);
createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <App initial={config} />
  </StrictMode>,
);
