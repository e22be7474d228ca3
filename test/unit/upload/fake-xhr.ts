/**
 * An XMLHttpRequest for Node unit tests, over `fetch` (so msw answers it), that keeps the one
 * rule of the XHR standard the uploader's pause depends on: `abort()` fires `abort` only for a
 * request that was sent and has not finished. Aborting an opened request before `send()` fires
 * nothing at all (checked in Chromium 156: no event, readyState stays 1), so a caller waiting
 * for an event then waits forever.
 */
export class FakeXHR {
  /** Every request created, in order. */
  static readonly created: FakeXHR[] = [];
  readyState = 0;
  status = 0;
  responseText = "";
  readonly upload: { onprogress: ((event: { loaded: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  /** Whether `abort()` was called before `send()` (the standard's silent case). */
  abortedBeforeSend = false;
  #method = "GET";
  #url = "";
  readonly #headers: Record<string, string> = {};
  #sent = false;
  #controller: AbortController | undefined;
  #responseHeaders = "";

  constructor() {
    FakeXHR.created.push(this);
  }

  open(method: string, url: string): void {
    this.#method = method;
    this.#url = url;
    this.readyState = 1;
  }

  setRequestHeader(name: string, value: string): void {
    this.#headers[name] = value;
  }

  send(body: Blob | Uint8Array | null = null): void {
    if (this.readyState !== 1 || this.#sent)
      throw new Error("InvalidStateError: send() on a request that is not opened");
    this.#sent = true;
    const controller = new AbortController();
    this.#controller = controller;
    const size = body === null ? 0 : body instanceof Blob ? body.size : body.byteLength;
    fetch(this.#url, {
      method: this.#method,
      headers: this.#headers,
      body: body as BodyInit | null,
      signal: controller.signal,
    }).then(
      async (response) => {
        const text = await response.text();
        if (controller.signal.aborted) return;
        this.upload.onprogress?.({ loaded: size });
        this.status = response.status;
        this.responseText = text;
        this.#responseHeaders = [...response.headers].map(([name, value]) => `${name}: ${value}`).join("\r\n");
        this.readyState = 4;
        this.onload?.();
      },
      () => {
        if (controller.signal.aborted) return;
        this.readyState = 4;
        this.onerror?.();
      },
    );
  }

  abort(): void {
    if (!this.#sent) {
      // Opened, not sent: the standard fires no event (and Chromium does exactly that).
      if (this.readyState === 1) this.abortedBeforeSend = true;
      return;
    }
    if (this.readyState === 4 || this.#controller?.signal.aborted) return;
    this.#controller?.abort();
    this.readyState = 4;
    this.onabort?.();
  }

  getAllResponseHeaders(): string {
    return this.#responseHeaders;
  }
}
