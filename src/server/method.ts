/**
 * The HTTP method of a request as the client sent it. `new Request()` refuses
 * some methods (`TRACE`, `CONNECT`, `TRACK`); an adapter that receives one
 * builds a `GET` request and records the real method under a symbol, so that
 * the handler answers 405 for it like for any other wrong method (and logs it).
 * A symbol cannot be set by a client, unlike a header.
 */
const SENT_METHOD = Symbol.for("s3edge.sentMethod");

/** A `GET` request standing for one whose method `Request` cannot represent. */
export function requestWithRefusedMethod(url: string, method: string, headers: Headers): Request {
  const request = new Request(url, { method: "GET", headers });
  Object.defineProperty(request, SENT_METHOD, { value: method.slice(0, 32) });
  return request;
}

/** The method the client sent. */
export function sentMethod(request: Request): string {
  const recorded: unknown = Reflect.get(request, SENT_METHOD);
  return typeof recorded === "string" ? recorded : request.method;
}
