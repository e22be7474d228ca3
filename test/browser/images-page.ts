/**
 * The plain HTML gallery the `autoFallback` Chromium suite (and the images bench) loads: no
 * bundler, the `<head>` script build from dist/, `<img>` tags pointing at a CDN, and objects
 * whose decoded size tells them apart from the edge's placeholder picture.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { solidPng } from "../support/edge.js";

/** One test object: its key and the size it decodes to. */
export interface GalleryObject {
  key: string;
  width: number;
  height: number;
}

/** Plain images `gallery/k<i>.png`, 40+i pixels wide. */
export const plainObjects = (count: number): GalleryObject[] =>
  Array.from({ length: count }, (_, i) => ({ key: `gallery/k${i}.png`, width: 40 + i, height: 30 }));

/** The objects of the srcset, `<picture>` and `crossorigin` images. */
export const EXTRA_OBJECTS: GalleryObject[] = [
  { key: "gallery/ss-1x.png", width: 81, height: 30 },
  { key: "gallery/ss-2x.png", width: 162, height: 60 },
  { key: "gallery/pic-source.png", width: 91, height: 30 },
  { key: "gallery/pic-img.png", width: 92, height: 30 },
  { key: "gallery/cors.png", width: 93, height: 30 },
];

/** Images the page inserts later, `gallery/late<j>.png`. */
export const lateObjects = (count: number): GalleryObject[] =>
  Array.from({ length: count }, (_, j) => ({ key: `gallery/late${j}.png`, width: 120 + j, height: 20 }));

/** Put every object into the bucket (once per run). */
export async function putGalleryObjects(
  s3: { endpoint: string; bucket: string; region: string; accessKeyId: string; secretAccessKey: string },
  objects: GalleryObject[],
): Promise<void> {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
  try {
    for (const o of objects) {
      const body = solidPng(o.width, o.height, [200, 30 + (o.width % 200), 40]);
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: o.key, Body: body, ContentType: "image/png" }));
    }
  } finally {
    client.destroy();
  }
}

/** What one gallery page holds and how it runs `autoFallback`. */
export interface GalleryOptions {
  /** CDN base URL (e.g. `http://cdn.test/<bucket>`). */
  cdn: string;
  /** The S3 fallback (`{ endpoint, bucket }`). */
  origin: { endpoint: string; bucket: string };
  /** Where `autoFallback` runs: a synchronous `<head>` script, after the `load` event, or not at all (the browser alone). */
  script: "head" | "late" | "none";
  /** Plain images (default 24). */
  count?: number;
  /** Add the srcset, `<picture>` and (with `cors`) `crossorigin` images. */
  extras?: boolean;
  /** The CDN sends CORS headers (the `crossorigin` image needs them). */
  cors?: boolean;
  /** Insert this many images later, one every `insertEveryMs` (default 150). */
  insert?: number;
  insertEveryMs?: number;
  /** Options merged into the `autoFallback` call (default `{ timeoutMs: 1500 }`). */
  options?: Record<string, unknown>;
  /** Send `<head>` first and the body 150 ms later, as a streaming server would. */
  stream?: boolean;
  /** Script URL (default the image build). */
  scriptUrl?: string;
  /** Inline the image build into the page instead of loading it (no script request to wait for). */
  inline?: boolean;
}

/** The image build as text (for inlining). */
export const imageScript = (): string =>
  readFileSync(join(import.meta.dirname, "../../dist/s3edge-img.global.js"), "utf8");

const img = (cdn: string, o: GalleryObject, attrs = ""): string =>
  `<img src="${cdn}/${o.key}" alt="${o.key}" width="${o.width}" height="${o.height}" data-w="${o.width}"${attrs}>`;

/** The page's `<head>` and `<body>`. */
export function galleryHtml(o: GalleryOptions): { head: string; body: string } {
  // Inlined, the <head> script cannot tell where it came from: say where the full implementation is.
  const options = {
    cdn: o.cdn,
    origin: o.origin,
    timeoutMs: 1500,
    ...(o.inline && { script: "/dist/s3edge-img-full.global.js" }),
    ...o.options,
  };
  const start = `window.__events = [];
window.__fb = S3Edge.autoFallback(${JSON.stringify(options)});
window.__fb.on("fallback", (e) => __events.push({ key: e.key, from: e.from, to: e.to, reason: e.reason, status: e.status }));
window.__fb.on("recover", (e) => __events.push({ recover: e.host }));`;
  const script = o.inline
    ? `<script>${imageScript()}</script>`
    : `<script src="${o.scriptUrl ?? "/dist/s3edge-img.global.js"}"></script>`;
  const head =
    o.script === "head"
      ? `${script}<script>${start}</script>`
      : o.script === "late"
        ? `${script}<script>addEventListener("load", () => setTimeout(() => { ${start} }, 50));</script>`
        : "";
  const [ss1, ss2, picSource, picImg, cors] = EXTRA_OBJECTS as [
    GalleryObject,
    GalleryObject,
    GalleryObject,
    GalleryObject,
    GalleryObject,
  ];
  const extras = o.extras
    ? [
        img(
          o.cdn,
          ss1,
          ` srcset="${o.cdn}/${ss1.key} 1x, ${o.cdn}/${ss2.key} 2x" sizes="81px" loading="eager" decoding="async" referrerpolicy="no-referrer"`,
        ),
        `<picture><source srcset="${o.cdn}/${picSource.key}" type="image/png">${img(o.cdn, { ...picImg, width: picSource.width })}</picture>`,
        ...(o.cors ? [img(o.cdn, cors, ` crossorigin="anonymous"`)] : []),
      ]
    : [];
  const late = lateObjects(o.insert ?? 0);
  const inserter =
    late.length > 0
      ? `<script>(() => { const late = ${JSON.stringify(late)}; let j = 0;
  const t = setInterval(() => { const o = late[j++]; if (!o) return clearInterval(t);
    const im = new Image(o.width, o.height); im.alt = o.key; im.dataset.w = String(o.width); im.src = ${JSON.stringify(o.cdn)} + "/" + o.key;
    document.getElementById("late").append(im); }, ${o.insertEveryMs ?? 150}); })();</script>`
      : "";
  const body = `<h1>s3edge gallery</h1>
<div id="plain">
${plainObjects(o.count ?? 24)
  .map((p) => img(o.cdn, p))
  .join("\n")}
</div>
<div id="extras">${extras.join("\n")}</div>
<div id="late"></div>
${inserter}`;
  return { head, body };
}

/** Serve a gallery page: whole, or head first and body 150 ms later (`stream`). */
export function serveGallery(res: ServerResponse, o: GalleryOptions): void {
  const { head, body } = galleryHtml(o);
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  const top = `<!doctype html><html><head><meta charset="utf-8"><title>gallery</title>${head}</head>`;
  if (!o.stream) {
    res.end(`${top}<body>${body}</body></html>`);
    return;
  }
  // Padding makes Chromium parse the head before the rest arrives.
  res.write(`${top}<!--${" ".repeat(2048)}-->`);
  setTimeout(() => res.end(`<body>${body}</body></html>`), 150);
}

/** A route handler serving `/gallery?o=<base64url JSON of GalleryOptions>`. */
export function galleryRoute(req: IncomingMessage, res: ServerResponse): void {
  const encoded = new URL(req.url ?? "/", "http://x").searchParams.get("o") ?? "";
  serveGallery(res, JSON.parse(Buffer.from(encoded, "base64url").toString("utf8")) as GalleryOptions);
}

/** The path of a gallery page with these options. */
export const galleryPath = (o: GalleryOptions): string =>
  `/gallery?o=${Buffer.from(JSON.stringify(o)).toString("base64url")}`;

/** Per image (in page order): what the browser shows. Run in the page. */
export interface ImageReport {
  alt: string;
  expectedWidth: number;
  naturalWidth: number;
  naturalHeight: number;
  complete: boolean;
  host: string;
}

/** Page function: every image's report. */
export const readImages = (): ImageReport[] =>
  [...document.images].map((im) => ({
    alt: im.alt,
    expectedWidth: Number(im.dataset["w"]),
    naturalWidth: im.naturalWidth,
    naturalHeight: im.naturalHeight,
    complete: im.complete,
    host: im.currentSrc ? new URL(im.currentSrc).host : "",
  }));

/** Page function: true once every image shows its real pixels (decoded size = the object's, not the placeholder's). */
export const allRendered = (expected: number): boolean => {
  const images = [...document.images];
  return images.length >= expected && images.every((im) => im.complete && im.naturalWidth === Number(im.dataset["w"]));
};
