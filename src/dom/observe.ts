/**
 * How `autoFallback` sees the page's images: capture-phase `load`/`error`
 * listeners on `document` (an element's events do not bubble), a
 * `MutationObserver` for images inserted or changed later, and a scan after a
 * microtask and at `DOMContentLoaded` (images that were there, or failed,
 * before the script ran).
 */
import { imageOfSource } from "./element.js";

/** What the observer tells its owner. */
export interface ImageHandlers {
  /** An image not seen before (the owner ignores those it knows). */
  consider(img: HTMLImageElement): void;
  /** An image whose URLs the page changed: take it in again. */
  retake(img: HTMLImageElement): void;
  /** A `load` or `error` event of an image. */
  event(img: HTMLImageElement, event: Event): void;
}

/** A running observer. */
export interface ImageObserver {
  /** Run `write` (attribute writes of ours) without the observer reporting them; the page's own changes still are. */
  quietly(write: () => void): void;
  stop(): void;
}

export const isImage = (node: unknown): node is HTMLImageElement => (node as Element | null)?.tagName === "IMG";

/** Start observing `document` (changes of `attributes` on images and `<source>`s count as changes of their image). */
export function observeImages(handlers: ImageHandlers, attributes: string[]): ImageObserver {
  const scan = (node: Node): void => {
    if (node.nodeType !== 1) return;
    const el = node as Element;
    if (isImage(el)) handlers.consider(el);
    else if (el.tagName === "SOURCE") {
      const img = imageOfSource(el);
      if (img) handlers.retake(img);
    } else for (const img of el.getElementsByTagName("img")) handlers.consider(img);
  };
  const onRecords = (records: MutationRecord[]): void => {
    for (const record of records) {
      if (record.type === "childList") record.addedNodes.forEach(scan);
      else if (isImage(record.target)) handlers.retake(record.target);
      else scan(record.target);
    }
  };
  const observer = new MutationObserver(onRecords);
  const onEvent = (event: Event): void => {
    if (isImage(event.target)) handlers.event(event.target, event);
  };
  const root = document.documentElement;
  const onReady = (): void => scan(root);
  document.addEventListener("load", onEvent, true);
  document.addEventListener("error", onEvent, true);
  document.addEventListener("DOMContentLoaded", onReady);
  observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: attributes });
  // The images already there are taken after a microtask, so that listeners the caller attaches
  // right after starting hear about them too; images parsed later reach the observer first.
  let stopped = false;
  queueMicrotask(() => stopped || scan(root));
  return {
    quietly(write) {
      const pending = observer.takeRecords();
      write();
      observer.takeRecords();
      if (pending.length > 0) onRecords(pending);
    },
    stop() {
      stopped = true;
      observer.disconnect();
      document.removeEventListener("load", onEvent, true);
      document.removeEventListener("error", onEvent, true);
      document.removeEventListener("DOMContentLoaded", onReady);
    },
  };
}
