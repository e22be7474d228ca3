/**
 * The URLs of one `<img>`: its `src`, its `srcset` and the `srcset` of the
 * `<source>`s of its `<picture>`, read and rewritten attribute by attribute
 * (never as markup), so `alt`, `sizes`, `loading`, `decoding`, `crossorigin`,
 * `referrerpolicy`, `width`/`height` and everything else stay as they are.
 */
import { mapSrcset, srcsetUrls } from "./srcset.js";

/** `<source>`s of the `<picture>` an image is in (none otherwise). */
function sourcesOf(img: HTMLImageElement): Element[] {
  const parent = img.parentElement;
  return parent?.tagName === "PICTURE" ? [...parent.children].filter((el) => el.tagName === "SOURCE") : [];
}

/** Absolute form of a URL found in an attribute (relative to the document's base). */
function absolute(url: string, element: Element): string {
  try {
    return new URL(url, element.baseURI).href;
  } catch {
    return url;
  }
}

/** Every URL the browser may pick for `img` (sources first, as the browser tries them), absolute. */
export function urlsOf(img: HTMLImageElement): string[] {
  const urls: string[] = [];
  for (const el of [...sourcesOf(img), img]) {
    const srcset = el.getAttribute("srcset");
    if (srcset) for (const url of srcsetUrls(srcset)) urls.push(absolute(url, img));
  }
  // `src` as the browser resolved it (no URL parsing of ours).
  if (img.getAttribute("src")) urls.push(img.src);
  return urls;
}

/**
 * Replace every URL of `img` (and of its `<picture>`'s sources) by `map(url)`
 * (`undefined` keeps it); with no `src`, `fallbackSrc` is set. Sources are
 * written first and `src` last, so the browser selects once among the new URLs.
 */
export function rewriteImage(
  img: HTMLImageElement,
  map: (url: string) => string | undefined,
  fallbackSrc?: string,
): void {
  const mapAbsolute = (url: string): string | undefined => map(absolute(url, img));
  for (const el of [...sourcesOf(img), img]) {
    const srcset = el.getAttribute("srcset");
    const next = srcset ? mapSrcset(srcset, mapAbsolute) : undefined;
    if (next !== undefined) el.setAttribute("srcset", next);
  }
  const src = img.getAttribute("src");
  const next = src ? mapAbsolute(src) : fallbackSrc;
  if (next !== undefined && next !== src) img.setAttribute("src", next);
}

/** The `<img>` a `<source>` belongs to (the one of its `<picture>`), if any. */
export function imageOfSource(source: Element): HTMLImageElement | undefined {
  const parent = source.parentElement;
  if (parent?.tagName !== "PICTURE") return undefined;
  return ([...parent.children].find((el) => el.tagName === "IMG") as HTMLImageElement | undefined) ?? undefined;
}

/**
 * Whether a lazy image is far from the viewport or not rendered, so that the
 * browser has not requested it yet and its silence is not a hang.
 */
export function notRequestedYet(img: HTMLImageElement): boolean {
  if (img.loading !== "lazy") return false;
  const box = img.getBoundingClientRect();
  const margin = 3000;
  return (box.width === 0 && box.height === 0) || box.top > innerHeight + margin || box.bottom < -margin;
}
