/**
 * What `<img>` events cannot reach: a CSS background, a web font and a `<video>`
 * loaded from the CDN. With the service worker (dist/s3edge-sw.js) on, they fall
 * back to S3 too; with it off, a broken CDN breaks them.
 */
import { useEffect, useState } from "react";
import type { Edge } from "s3edge";
import type { DemoConfig } from "./api.js";
import { useTelemetry } from "./telemetry.js";

const STORAGE = "s3edge-demo:sw";

/** The worker's URL carries its options (and the mode's generation: a new worker, a fresh breaker, per mode). */
function workerUrl(config: DemoConfig, generation: number): string {
  const q = new URLSearchParams({
    cdn: config.cdn,
    endpoint: config.origin.endpoint,
    bucket: config.origin.bucket,
    pathStyle: "1",
    cors: "1",
    persist: "0",
    generation: String(generation),
  });
  return `/s3edge-sw.js?${q}`;
}

/** Registers (or replaces) the worker and resolves once it controls the page. */
async function register(url: string): Promise<void> {
  const sw = navigator.serviceWorker;
  const current = sw.controller?.scriptURL;
  if (current !== undefined && new URL(current).search === new URL(url, location.href).search) return;
  const changed = new Promise<void>((resolve) =>
    sw.addEventListener("controllerchange", () => resolve(), { once: true }),
  );
  await sw.register(url, { scope: "/" });
  await changed;
}

type SwState = "off" | "starting" | "on" | "unsupported";

export function useServiceWorker(config: DemoConfig, generation: number): { state: SwState; toggle: () => void } {
  const supported = typeof navigator !== "undefined" && "serviceWorker" in navigator;
  const wanted = supported && localStorage.getItem(STORAGE) === "1";
  const [state, setState] = useState<SwState>(supported ? (wanted ? "starting" : "off") : "unsupported");
  useEffect(() => {
    if (!wanted) return;
    let live = true;
    setState("starting");
    register(workerUrl(config, generation)).then(
      () => live && setState("on"),
      (error: unknown) => {
        console.warn("s3edge demo: the service worker did not start:", error);
        if (live) setState("off");
      },
    );
    return () => {
      live = false;
    };
  }, [wanted, config, generation]);
  const toggle = (): void => {
    if (!supported) return;
    if (wanted) {
      // A worker keeps controlling the page it controls: turn it off, then load the page again.
      localStorage.setItem(STORAGE, "0");
      void navigator.serviceWorker
        .getRegistrations()
        .then((all) => Promise.all(all.map((r) => r.unregister())))
        .then(() => location.reload());
    } else {
      localStorage.setItem(STORAGE, "1");
      location.reload();
    }
  };
  return { state, toggle };
}

/**
 * Whether the worker has answered `url` from another host since the mode switch (its `fallback`
 * message, collected by the app: a tile may mount after the message, e.g. a cached background).
 */
function useFellBack(url: string): boolean {
  return useTelemetry().workerFallbacks.has(url.split("?")[0] ?? url);
}

const via = (fell: boolean): string => (fell ? " · from S3 (service worker)" : "");

function BackgroundTile({ url }: { url: string }) {
  const fell = useFellBack(url);
  return (
    <figure className="sw-tile" data-testid="sw-background" data-source={fell ? "s3" : undefined}>
      <div className="sw-bg" style={{ backgroundImage: `url("${url}")` }} />
      <figcaption>CSS background (green when loaded){via(fell)}</figcaption>
    </figure>
  );
}

function FontTile({ url, family }: { url: string; family: string }) {
  const [status, setStatus] = useState("loading…");
  const fell = useFellBack(url);
  useEffect(() => {
    let live = true;
    const face = new FontFace(family, `url("${url}")`);
    document.fonts.add(face);
    face.load().then(
      () => live && setStatus("loaded"),
      () => live && setStatus("failed: fallback font"),
    );
    return () => {
      live = false;
      document.fonts.delete(face);
    };
  }, [url, family]);
  return (
    <figure className="sw-tile" data-testid="sw-font" data-status={status} data-source={fell ? "s3" : undefined}>
      <p style={{ fontFamily: `"${family}", cursive`, fontSize: 30, margin: 0 }}>Ag 123</p>
      <figcaption>
        web font · {status}
        {via(fell)}
      </figcaption>
    </figure>
  );
}

function VideoTile({ url }: { url: string }) {
  const [status, setStatus] = useState("loading…");
  const fell = useFellBack(url);
  return (
    <figure className="sw-tile" data-testid="sw-video" data-status={status} data-source={fell ? "s3" : undefined}>
      <video
        controls
        preload="metadata"
        src={url}
        onLoadedMetadata={(e) => setStatus(`loaded (${Math.round(e.currentTarget.duration)} s)`)}
        onError={() => setStatus("failed")}
      >
        <track kind="captions" />
      </video>
      <figcaption>
        &lt;video&gt; (seekable) · {status}
        {via(fell)}
      </figcaption>
    </figure>
  );
}

export function SwPanel({
  edge,
  config,
  round,
  sw,
}: {
  edge: Edge;
  config: DemoConfig;
  round: number;
  sw: { state: SwState; toggle: () => void };
}) {
  const url = (key: string): string => edge.cdnUrl(key, { v: round });
  return (
    <section className="sw-panel">
      <h2>
        Service worker{" "}
        <label className="switch">
          <input
            type="checkbox"
            checked={sw.state === "on" || sw.state === "starting"}
            onChange={sw.toggle}
            disabled={sw.state === "unsupported"}
            data-testid="sw-toggle"
          />
          {sw.state === "on"
            ? "on"
            : sw.state === "starting"
              ? "starting…"
              : sw.state === "unsupported"
                ? "not supported here"
                : "off"}
        </label>
      </h2>
      <p className="what">
        CSS backgrounds, fonts and video never fire an <code>&lt;img&gt;</code> error: only a service worker can move
        them to S3.
        {sw.state === "off" && " Off: with the CDN broken, these stay empty or wait forever."}
      </p>
      {sw.state !== "starting" && (
        <div className="sw-tiles" key={`${round}:${sw.state}`}>
          <BackgroundTile url={url(config.swKeys.background)} />
          <FontTile url={url(config.swKeys.font)} family={`demo-font-${round}`} />
          <VideoTile url={url(config.swKeys.video)} />
        </div>
      )}
    </section>
  );
}
