/**
 * Collects what a page says while a test runs (console messages, uncaught errors, failed
 * requests) so that a failing browser test can print it. URLs lose their query strings:
 * presigned URLs must not reach a log.
 */
import type { Page } from "playwright-core";

/** One thing the page reported. */
export interface PageMessage {
  /** Console type ("log", "error", "warning", ...), or "pageerror" / "requestfailed". */
  type: string;
  text: string;
}

/** The messages collected from one page. */
export interface PageConsole {
  /** Everything collected so far, oldest first. */
  readonly messages: readonly PageMessage[];
  /** Only errors: console errors, uncaught exceptions and failed requests. */
  errors(): PageMessage[];
  /** One line per message, ready for an assertion message or `console.log`. */
  format(): string;
}

/** Replaces the query string of every http(s) URL in `text` by `?<redacted>`. */
export function redactQueries(text: string): string {
  return text.replace(/(https?:\/\/[^\s?#"'<>]+)\?[^\s#"'<>]*/g, "$1?<redacted>");
}

/** Starts collecting messages from `page`; collection lasts as long as the page. */
export function attachConsole(page: Page): PageConsole {
  const messages: PageMessage[] = [];
  const push = (type: string, text: string) => messages.push({ type, text: redactQueries(text) });
  page.on("console", (message) => push(message.type(), message.text()));
  page.on("pageerror", (error) => push("pageerror", `${error.name}: ${error.message}`));
  page.on("requestfailed", (request) =>
    push("requestfailed", `${request.method()} ${request.url()}: ${request.failure()?.errorText ?? "failed"}`),
  );
  return {
    messages,
    errors: () => messages.filter((m) => m.type === "error" || m.type === "pageerror" || m.type === "requestfailed"),
    format: () => messages.map((m) => `[${m.type}] ${m.text}`).join("\n") || "(page said nothing)",
  };
}
