/** The demo server's small JSON API (not part of s3edge: an app has its own). */

/** The CDN faults the page can switch on (the server's `DEMO_MODES`). */
export const MODES = [
  { id: "healthy", label: "Healthy", what: "The CDN serves (and caches) everything." },
  { id: "refused", label: "Refused", what: "nginx is stopped: connections are reset." },
  { id: "dns", label: "DNS failure", what: "The page uses a CDN host name that does not resolve." },
  { id: "503", label: "503", what: "Every request gets a fast 503 error page." },
  {
    id: "503-image",
    label: "503 + placeholder",
    what: "A 503 whose body is a valid grey image: <img> alone would show it.",
  },
  { id: "hang", label: "Hang", what: "Connections open, but no answer ever comes." },
  { id: "slow", label: "Slow", what: "Answers trickle at 64 KB/s (bodies are not timed out)." },
  { id: "flapping", label: "Flapping", what: "Healthy and 503 in turn, every 6 s." },
] as const;

export type DemoMode = (typeof MODES)[number]["id"];

/** What `GET /api/config` answers. */
export interface DemoConfig {
  mode: DemoMode;
  cdn: string;
  origin: { endpoint: string; bucket: string; pathStyle: boolean };
  rtt: { cdnMs: number; s3Ms: number };
  swKeys: { background: string; font: string; video: string };
  /** The signer's limits, which the drop zone checks before uploading. */
  limits: { contentTypes: string[]; maxSize: number };
}

/** One object of the bucket (`GET /api/objects`). */
export interface ListedObject {
  key: string;
  size: number;
  lastModified: number;
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, init);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export const getConfig = (): Promise<DemoConfig> => call("/api/config");
export const listObjects = (): Promise<ListedObject[]> => call("/api/objects");
export const setMode = (mode: DemoMode): Promise<DemoConfig> => call(`/api/cdn-mode?mode=${mode}`, { method: "POST" });
