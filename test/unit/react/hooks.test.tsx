import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { createState } from "../../../src/core/observable.js";
import { createUploader } from "../../../src/index.js";
import { useObservable, useUpload, useUploader } from "../../../src/react.js";

describe("s3edge/react on the server (SSR)", () => {
  it("useObservable renders the current state of any observable", () => {
    const state = createState({ n: 41 });
    state.set({ n: 42 });
    function View() {
      return createElement("b", null, `n=${useObservable(state).n}`);
    }
    expect(renderToString(createElement(View))).toBe("<b>n=42</b>");
  });

  it("useUploader and useUpload render without a DOM, from the uploader's state", () => {
    const uploader = createUploader({ endpoint: "http://app.test/s3edge", autoStart: false, store: false });
    const upload = uploader.add(new Blob(["hello"]), { filename: "hello.txt" });
    function View() {
      const all = useUploader(uploader);
      const one = useUpload(upload);
      const none = useUpload(undefined);
      return createElement(
        "p",
        null,
        `${all.uploads.length} ${all.total} ${one?.filename} ${one?.status} ${none === undefined}`,
      );
    }
    expect(renderToString(createElement(View))).toBe("<p>1 5 hello.txt queued true</p>");
  });
});

describe("selectors", () => {
  it("useObservable, useUploader and useUpload render what the selector picks", () => {
    const state = createState({ n: 41, label: "x" });
    const uploader = createUploader({ endpoint: "http://app.test/s3edge", autoStart: false, store: false });
    const upload = uploader.add(new Blob(["hello"]), { filename: "hello.txt" });
    function View() {
      const n = useObservable(state, (s) => s.n + 1);
      const counts = useUploader(uploader, (s) => ({ uploads: s.uploads.length, total: s.total }));
      const name = useUpload(upload, (s) => s.filename.toUpperCase());
      const none = useUpload(undefined, (s) => s.filename);
      return createElement("p", null, `${n} ${counts.uploads}/${counts.total} ${name} ${none === undefined}`);
    }
    expect(renderToString(createElement(View))).toBe("<p>42 1/5 HELLO.TXT true</p>");
  });
});
