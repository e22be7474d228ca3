/**
 * The headless upload UI without a DOM: the drop zone's checks mirror the server's
 * `limits.contentTypes` / `maxSize` / `minSize`; the props it renders on the server (SSR) are the
 * accessible ones; `useUploadItem` offers the actions each status allows; `useUploads` lists the
 * uploads. Interaction (keyboard, drag and drop, clicks) is tested in Chromium
 * (test/browser/upload-ui.test.ts).
 */
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createUploader } from "../../../src/index.js";
import { accepts, checkFile, useFileDrop, useUploadItem, useUploads, type UploadItem } from "../../../src/react.js";
import { contentTypeAllowed } from "../../../src/server/limits.js";
import { sortFiles } from "../../../src/react/accept.js";

const file = (name: string, type: string, size = 10): File => new File([new Uint8Array(size)], name, { type });

describe("the drop zone's checks mirror the server's limits", () => {
  const patterns = ["image/*", "application/pdf", "*/*", "video/mp4"];
  const types = [
    "image/png",
    "image/svg+xml",
    "application/pdf",
    "video/mp4",
    "video/webm",
    "text/plain",
    "application/octet-stream",
  ];
  it.each(patterns.flatMap((p) => types.map((t) => [p, t] as const)))(
    "%s admits %s exactly when the server does",
    (pattern, type) => {
      expect(accepts([pattern], file("f", type))).toBe(contentTypeAllowed([pattern], type));
    },
  );

  it("image/* admits no SVG (it can carry script) unless SVG is listed by name", () => {
    expect(accepts(["image/*"], file("a.svg", "image/svg+xml"))).toBe(false);
    expect(accepts(["image/*", "image/svg+xml"], file("a.svg", "image/svg+xml"))).toBe(true);
  });

  it("compares types without case or parameters; a file without a type is application/octet-stream, as the uploader sends it", () => {
    expect(accepts(["Image/PNG"], file("a.png", "image/png"))).toBe(true);
    expect(accepts(["text/plain"], file("a.txt", "text/plain;charset=utf-8"))).toBe(true);
    expect(accepts(["application/octet-stream"], file("raw", ""))).toBe(true);
    expect(accepts(["image/*"], file("raw", ""))).toBe(false);
  });

  it("accepts file name endings too, case-insensitively", () => {
    expect(accepts([".PDF"], file("report.pdf", ""))).toBe(true);
    expect(accepts([".pdf"], file("report.pdf.exe", ""))).toBe(false);
  });

  it("refuses with the server's codes and a message naming the file and the limit", () => {
    expect(checkFile(file("a.exe", "application/x-msdownload"), { accept: ["image/*"] })).toMatchObject({
      code: "ContentTypeNotAllowed",
      message: "a.exe: type application/x-msdownload is not allowed (image/*)",
    });
    expect(checkFile(file("big.png", "image/png", 101), { maxSize: 100 })).toMatchObject({
      code: "TooLarge",
      message: "big.png: 101 bytes is more than the limit of 100",
    });
    expect(checkFile(file("tiny.png", "image/png", 1), { minSize: 2 })).toMatchObject({ code: "TooSmall" });
    expect(
      checkFile(file("ok.png", "image/png", 100), { accept: ["image/*"], maxSize: 100, minSize: 100 }),
    ).toBeUndefined();
  });

  it("with multiple: false, keeps the first acceptable file and refuses the others as TooMany", () => {
    const files = [file("a.exe", "application/x-msdownload"), file("b.png", "image/png"), file("c.png", "image/png")];
    const { accepted, rejected } = sortFiles(files, { accept: ["image/*"], multiple: false });
    expect(accepted.map((f) => f.name)).toEqual(["b.png"]);
    expect(rejected.map((r) => [r.file.name, r.code])).toEqual([
      ["a.exe", "ContentTypeNotAllowed"],
      ["c.png", "TooMany"],
    ]);
  });
});

describe("useFileDrop on the server (SSR)", () => {
  function Zone(props: { disabled?: boolean; multiple?: boolean }) {
    const drop = useFileDrop({ accept: ["image/*", ".pdf"], ...props });
    return createElement(
      "div",
      drop.getRootProps({ id: "zone", className: "zone" }),
      createElement("input", drop.getInputProps()),
      "Drop",
    );
  }

  it("renders an accessible button controlling a labelled, hidden file input, keeping the application's props", () => {
    const html = renderToString(createElement(Zone));
    const root = /<div ([^>]*)>/.exec(html)?.[1] ?? "";
    const input = /<input ([^>]*)\/?>/.exec(html)?.[1] ?? "";
    expect(root).toContain('id="zone"');
    expect(root).toContain('class="zone"');
    expect(root).toContain('role="button"');
    expect(root).toContain('tabindex="0"');
    expect(root).toContain('aria-disabled="false"');
    const id = /id="([^"]+)"/.exec(input)?.[1];
    expect(root).toContain(`aria-controls="${id}"`);
    expect(input).toContain('type="file"');
    expect(input).toContain('hidden=""');
    expect(input).toContain('tabindex="-1"');
    expect(input).toContain('multiple=""');
    expect(input).toContain('accept="image/*,.pdf"');
    expect(input).toContain('aria-label="Choose files to upload"');
  });

  it("when disabled, leaves the tab order and says so; with multiple: false, names one file", () => {
    const html = renderToString(createElement(Zone, { disabled: true, multiple: false }));
    expect(html).toContain('tabindex="-1"');
    expect(html).toContain('aria-disabled="true"');
    expect(html).toContain('disabled=""');
    expect(html).not.toContain("multiple");
    expect(html).toContain('aria-label="Choose a file to upload"');
  });
});

describe("useUploadItem and useUploads", () => {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  const flags = (item: UploadItem) =>
    (["canPause", "canResume", "canCancel", "canRetry", "canRemove"] as const).filter((k) => item[k]).join(",");

  function render(upload: Parameters<typeof useUploadItem>[0]): UploadItem {
    let item: UploadItem | undefined;
    function Probe() {
      item = useUploadItem(upload);
      return null;
    }
    renderToString(createElement(Probe));
    return item as UploadItem;
  }

  it("offers the actions each status allows", async () => {
    server.use(
      http.post("http://app.test/s3edge", () =>
        HttpResponse.json({
          mode: "single",
          key: "k",
          url: "http://s3.test/b/k",
          headers: {},
          expiresAt: Date.now() + 60_000,
          s3Url: "http://s3.test/b/k",
        }),
      ),
      http.put("http://s3.test/b/k", () => new HttpResponse(null, { headers: { etag: '"e"' } })),
    );
    const uploader = createUploader({
      endpoint: "http://app.test/s3edge",
      store: false,
      autoStart: false,
      retry: { retries: 0 },
    });
    const upload = uploader.add(new Uint8Array(10), { filename: "k" });

    expect(render(undefined)).toMatchObject({ state: undefined, percent: null });
    expect(flags(render(undefined))).toBe("");
    expect(flags(render(upload))).toBe("canPause,canCancel");
    upload.pause();
    expect(flags(render(upload))).toBe("canResume,canCancel");
    upload.resume();
    upload.start();
    await upload.done();
    expect(render(upload)).toMatchObject({ percent: 100, state: { status: "done" } });
    expect(flags(render(upload))).toBe("canRemove");

    server.use(
      http.put(
        "http://s3.test/b/k",
        () => new HttpResponse("<Error><Code>AccessDenied</Code></Error>", { status: 403 }),
      ),
    );
    const failing = uploader.add(new Uint8Array(10), { filename: "k" });
    failing.start();
    await failing.done().catch(() => undefined);
    const item = render(failing);
    expect(flags(item)).toBe("canRetry,canRemove");
    expect(item.state?.error?.code).toBe("S3Error");

    const cancelled = uploader.add(new Uint8Array(10), { filename: "k" });
    await cancelled.cancel();
    expect(flags(render(cancelled))).toBe("canRemove");
  });

  it("the actions act on the upload: remove takes it off the list", async () => {
    const uploader = createUploader({ endpoint: "http://app.test/s3edge", store: false, autoStart: false });
    const a = uploader.add(new Uint8Array(10), { filename: "a" });
    const b = uploader.add(new Uint8Array(10), { filename: "b" });
    let listed: string[] = [];
    function List() {
      listed = useUploads(uploader).map((u) => u.id);
      return null;
    }
    renderToString(createElement(List));
    expect(listed).toEqual([a.id, b.id]);
    const item = render(a);
    item.pause();
    expect(a.getState().status).toBe("paused");
    item.resume();
    expect(a.getState().status).toBe("queued");
    expect(item.retry()).toBe(false);
    await item.remove();
    expect(a.getState().status).toBe("cancelled");
    renderToString(createElement(List));
    expect(listed).toEqual([b.id]);
  });
});
