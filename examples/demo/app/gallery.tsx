/**
 * Everything in the bucket (listed by the demo server, so it survives reloads),
 * each image an `<EdgeImage>` saying where it came from and how long it took.
 */
import { useEffect, useRef, useState } from "react";
import type { Edge, FallbackEvent } from "s3edge";
import { EdgeImage } from "s3edge/react";
import type { ListedObject } from "./api.js";
import { bytes, ms } from "./format.js";
import { telemetry, type Source } from "./telemetry.js";

const IMAGE = /\.(png|jpe?g|gif|webp|avif|svg)$/i;

interface Seen {
  source: Source | undefined;
  /** The request that delivered the image, in ms (Resource Timing), or undefined from the browser's cache. */
  ms: number | undefined;
}

/** Duration of the request that fetched `url` after `since` (performance time), or undefined (a cache hit makes none). */
function requestMs(url: string, since: number): number | undefined {
  const entry = performance.getEntriesByName(url, "resource").at(-1);
  return entry !== undefined && entry.startTime >= since ? entry.duration : undefined;
}

const REASONS: Record<FallbackEvent["reason"], string> = {
  network: "network error",
  timeout: "no answer in time",
  status: "error status",
  redirect: "redirect",
  "circuit-open": "CDN known down",
  hedge: "hedge",
  missing: "not on this replica yet",
};

function Tile({ edge, object, round }: { edge: Edge; object: ListedObject; round: number }) {
  const start = useRef(performance.now());
  const [seen, setSeen] = useState<Seen | undefined>(undefined);
  const [moved, setMoved] = useState<string | undefined>(undefined);
  const lost = useRef(0);
  useEffect(
    () =>
      edge.on("fallback", (e) => {
        if (e.key !== object.key) return;
        lost.current = e.elapsedMs;
        setMoved(`CDN failed (${REASONS[e.reason]}${e.status ? ` ${e.status}` : ""}) after ${ms(e.elapsedMs)}`);
      }),
    [edge, object.key],
  );
  const name = object.key.split("/").pop() ?? object.key;
  if (!IMAGE.test(object.key)) {
    return (
      <figure className="tile file" data-testid="tile" data-key={object.key}>
        <a href={edge.src(object.key)} target="_blank" rel="noreferrer">
          {name}
        </a>
        <figcaption>{bytes(object.size)}</figcaption>
      </figure>
    );
  }
  const where = seen?.source === "cdn" ? "CDN" : "S3";
  const label =
    seen === undefined ? "loading…" : seen.ms === undefined ? `${where} · browser cache` : `${where} · ${ms(seen.ms)}`;
  return (
    <figure
      className={`tile ${seen?.source ?? "pending"}`}
      data-testid="tile"
      data-key={object.key}
      data-source={seen?.source ?? ""}
    >
      <EdgeImage
        objectKey={object.key}
        {...(round > 0 ? { query: { v: round } } : {})}
        alt={name}
        onLoad={(event) => {
          const src = event.currentTarget.currentSrc;
          const source = edge.sourceOf(src);
          const took = requestMs(src, start.current);
          setSeen({ source, ms: took });
          // The timeline shows what the page waited: the CDN attempt it gave up on, then this request.
          if (source && took !== undefined)
            telemetry.load({ ms: (source === "s3" ? lost.current : 0) + took, source, key: object.key });
        }}
      />
      <figcaption>
        <span className="name" title={object.key}>
          {name}
        </span>
        <span className="where" data-testid="tile-source">
          {label}
        </span>
        {moved && <span className="moved">{moved}</span>}
      </figcaption>
    </figure>
  );
}

export function Gallery({ edge, objects, round }: { edge: Edge; objects: ListedObject[]; round: number }) {
  return (
    <section className="gallery">
      <h2>
        Gallery <small>{objects.length} objects in the bucket</small>
      </h2>
      <div className="tiles">
        {objects.map((o) => (
          <Tile key={`${round}:${o.key}`} edge={edge} object={o} round={round} />
        ))}
      </div>
    </section>
  );
}
