/**
 * What the documentation's TypeScript snippets take from the reader's own app, declared once
 * for test/docs/snippets.test.ts: UI elements, the app's auth and metrics, a web framework's
 * `app`, and the values an earlier snippet of the same page defined (`signer`, `handler`).
 * Everything from s3edge itself is imported by the snippets, never declared here.
 */
declare const input: HTMLInputElement;
declare const img: HTMLImageElement;
declare const key: string;
declare const authorization: string;
declare const region: string;
declare const signal: AbortSignal;
/** A progress callback for `signer.upload`, typed as the API takes it. */
declare const onProgress: NonNullable<NonNullable<Parameters<typeof signer.upload>[2]>["onProgress"]>;
declare function render(...values: unknown[]): void;
/** The app's session lookup (README quick start). */
declare function sessionUser(request: Request): Promise<{ id: string } | null>;
/** The app's session lookup (docs/server.md). */
declare function getSession(cookie: string | null): Promise<{ userId: string } | null>;
declare const metrics: { count(name: string, tags?: Record<string, string>): void };
/** An Express- or Hono-like app (docs/server.md "Mounting"). */
declare const app: {
  all(
    path: string,
    handler: (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void,
  ): void;
  on(methods: string[], path: string, handler: (c: { req: { raw: Request } }) => Response | Promise<Response>): void;
};
/** Defined by the first snippet of docs/server.md. */
declare const signer: ReturnType<typeof import("s3edge/server").createSigner>;
declare const handler: (request: Request) => Promise<Response>;
