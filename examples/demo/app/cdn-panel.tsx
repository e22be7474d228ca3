/**
 * Break the CDN: the mode buttons, each host's health in plain words, the log of
 * fallbacks and recoveries, and a timeline of image load times by source.
 */
import { useEffect, useState } from "react";
import type { Edge, EdgeHostStatus } from "s3edge";
import { useObservable } from "s3edge/react";
import { MODES, type DemoConfig, type DemoMode } from "./api.js";
import { ms, until } from "./format.js";
import { useTelemetry, type LoadPoint } from "./telemetry.js";

function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** "CDN: down, retrying in 12 s" */
function say(status: EdgeHostStatus, now: number): { text: string; tone: "ok" | "bad" | "probe" } {
  const who = status.source === "cdn" ? "CDN" : "S3";
  if (status.state === "closed") {
    return status.failures > 0
      ? { text: `${who}: healthy (${status.failures} recent failure${status.failures > 1 ? "s" : ""})`, tone: "ok" }
      : { text: `${who}: healthy`, tone: "ok" };
  }
  if (status.state === "half-open") return { text: `${who}: testing again (one request goes to it)`, tone: "probe" };
  const reason = status.lastReason ? `, last: ${status.lastReason}` : "";
  if (status.openedUntil !== undefined && status.openedUntil > now) {
    return { text: `${who}: down, retrying in ${until(status.openedUntil, now)}${reason}`, tone: "bad" };
  }
  return { text: `${who}: down, the next image tries it again${reason}`, tone: "probe" };
}

function Health({ edge }: { edge: Edge }) {
  const { hosts } = useObservable(edge);
  const now = useNow(500);
  return (
    <ul className="health" data-testid="health">
      {hosts.map((h) => {
        const { text, tone } = say(h, now);
        return (
          <li key={h.host} className={tone} data-testid={`health-${h.source}`} data-state={h.state}>
            <span className="dot" /> {text} <small>{h.host}</small>
          </li>
        );
      })}
    </ul>
  );
}

function Timeline({ loads, rtt }: { loads: LoadPoint[]; rtt: DemoConfig["rtt"] }) {
  const width = 520;
  const height = 150;
  const maxAt = Math.max(10_000, ...loads.map((l) => l.at));
  const maxMs = Math.max(1_000, ...loads.map((l) => l.ms));
  const x = (at: number): number => 34 + (at / maxAt) * (width - 44);
  const y = (v: number): number => height - 18 - (v / maxMs) * (height - 30);
  return (
    <figure className="timeline">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Image load times since the mode was switched">
        <line x1={34} y1={height - 18} x2={width - 6} y2={height - 18} className="axis" />
        <line x1={34} y1={8} x2={34} y2={height - 18} className="axis" />
        <text x={30} y={12} textAnchor="end">
          {ms(maxMs)}
        </text>
        <text x={30} y={height - 18} textAnchor="end">
          0
        </text>
        <text x={width - 6} y={height - 4} textAnchor="end">
          {ms(maxAt)} since the switch
        </text>
        {loads.map((l) => (
          <circle key={`${l.key}@${l.at}`} cx={x(l.at)} cy={y(l.ms)} r={4} className={l.source}>
            <title>{`${l.key}: ${l.source.toUpperCase()} ${ms(l.ms)}`}</title>
          </circle>
        ))}
      </svg>
      <figcaption>
        <span className="cdn">● CDN</span> <span className="s3">● S3</span> load time per image (CDN {rtt.cdnMs} ms
        away, S3 {rtt.s3Ms} ms)
      </figcaption>
    </figure>
  );
}

export function CdnPanel(props: {
  edge: Edge;
  config: DemoConfig;
  switching: DemoMode | undefined;
  onMode: (mode: DemoMode) => void;
  onReloadImages: () => void;
}) {
  const { edge, config, switching, onMode, onReloadImages } = props;
  const t = useTelemetry();
  const current = MODES.find((m) => m.id === config.mode);
  return (
    <section className="cdn-panel">
      <h2>Break the CDN</h2>
      <fieldset className="modes" aria-label="CDN mode">
        {MODES.map((m) => (
          <button
            type="button"
            key={m.id}
            aria-pressed={config.mode === m.id}
            disabled={switching !== undefined}
            data-mode={m.id}
            title={m.what}
            onClick={() => onMode(m.id)}
          >
            {switching === m.id ? "…" : m.label}
          </button>
        ))}
        <button type="button" className="secondary" onClick={onReloadImages}>
          Load the images again
        </button>
      </fieldset>
      <p className="what" data-testid="mode-what">
        <strong>{current?.label}:</strong> {current?.what}
      </p>
      <Health edge={edge} />
      <Timeline loads={t.loads} rtt={config.rtt} />
      <ol className="log" data-testid="log">
        {t.log.map((line) => (
          <li key={`${line.at}:${line.text}`} className={line.kind}>
            <time>{new Date(line.at).toLocaleTimeString()}</time> {line.text}
          </li>
        ))}
      </ol>
    </section>
  );
}
