/** <EdgeProvider>, <EdgeImage> and useEdgeUrl on the server (SSR) and their configuration errors. */
import { createElement, createRef } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { createHostHealth } from "../../../src/core/health.js";
import { createEdge } from "../../../src/index.js";
import { EdgeImage, EdgeProvider, useEdge, useEdgeUrl } from "../../../src/react.js";

const origin = { bucket: "media-bucket", region: "eu-west-1" };
const S3 = "https://media-bucket.s3.eu-west-1.amazonaws.com";

function downEdge() {
  const health = createHostHealth();
  for (let i = 0; i < 3; i++) health.failure("cdn.example.com", "network");
  return createEdge({ cdn: "https://cdn.example.com", origin, health });
}

describe("<EdgeImage> on the server", () => {
  it("renders an <img> with the CDN URL and every <img> prop passed through", () => {
    const edge = createEdge({ cdn: "https://cdn.example.com", origin });
    const html = renderToString(
      createElement(
        EdgeProvider,
        { edge },
        createElement(EdgeImage, {
          objectKey: "a b/c.png",
          alt: "A",
          width: 40,
          height: 30,
          loading: "lazy",
          sizes: "40px",
          srcSet: "https://cdn.example.com/a%20b/c.png 1x",
        }),
      ),
    );
    expect(html).toContain('src="https://cdn.example.com/a%20b/c.png"');
    expect(html).toContain('alt="A"');
    expect(html).toContain('width="40"');
    expect(html).toContain('loading="lazy"');
    expect(html).toContain('sizes="40px"');
    expect(html).toContain('srcSet="https://cdn.example.com/a%20b/c.png 1x"');
    expect(html).toContain("data-s3edge-react");
  });

  it("renders the CDN URL even when this process's breaker has the CDN open: hydration must match (the client switches after)", () => {
    const html = renderToString(
      createElement(EdgeProvider, { edge: downEdge() }, createElement(EdgeImage, { objectKey: "k.png", alt: "" })),
    );
    expect(html).toContain('src="https://cdn.example.com/k.png"');
  });

  it("takes an edge prop instead of a provider, and forwards refs (typed HTMLImageElement)", () => {
    const edge = createEdge({ cdn: "https://cdn.example.com", origin });
    const ref = createRef<HTMLImageElement>();
    const html = renderToString(createElement(EdgeImage, { objectKey: "k.png", alt: "", edge, ref }));
    expect(html).toContain('src="https://cdn.example.com/k.png"');
  });

  it("throws a ConfigError naming `edge` without a provider or an edge prop", () => {
    expect(() => renderToString(createElement(EdgeImage, { objectKey: "k.png", alt: "" }))).toThrow(
      expect.objectContaining({ code: "InvalidConfig", option: "edge" }),
    );
  });

  it("throws a ConfigError naming `fallbackStatuses` for a provider given statuses it cannot use", () => {
    const edge = createEdge({ cdn: "https://cdn.example.com", origin });
    const provider = createElement(
      EdgeProvider,
      { edge, fallbackStatuses: [503, 42] },
      createElement(EdgeImage, { objectKey: "k.png", alt: "" }),
    );
    expect(() => renderToString(provider)).toThrow(
      expect.objectContaining({
        code: "InvalidConfig",
        option: "fallbackStatuses",
        message: expect.stringMatching(/^EdgeProvider: /),
      }),
    );
  });
});

describe("EdgeProvider: statusCheckMs", () => {
  it.each([-1, Number.NaN, "10000"])("throws a ConfigError naming `statusCheckMs` for %s", (bad) => {
    const edge = createEdge({ cdn: "https://cdn.example.com", origin });
    const provider = createElement(
      EdgeProvider,
      { edge, statusCheckMs: bad as number },
      createElement(EdgeImage, { objectKey: "k.png", alt: "" }),
    );
    expect(() => renderToString(provider)).toThrow(
      expect.objectContaining({
        code: "InvalidConfig",
        option: "statusCheckMs",
        message: expect.stringMatching(/^EdgeProvider: statusCheckMs must be a number of milliseconds >= 0/),
      }),
    );
  });

  it("takes 0 (no checks) and a positive interval", () => {
    const edge = createEdge({ cdn: "https://cdn.example.com", origin });
    for (const statusCheckMs of [0, 2500]) {
      const html = renderToString(
        createElement(EdgeProvider, { edge, statusCheckMs }, createElement(EdgeImage, { objectKey: "k.png", alt: "" })),
      );
      expect(html).toContain('src="https://cdn.example.com/k.png"');
    }
  });
});

describe("useEdge", () => {
  it("returns the provider's edge", () => {
    const edge = createEdge({ cdn: "https://cdn.example.com", origin });
    let seen: unknown;
    function Probe() {
      seen = useEdge();
      return null;
    }
    renderToString(createElement(EdgeProvider, { edge }, createElement(Probe)));
    expect(seen).toBe(edge);
  });
});

describe("useEdgeUrl on the server", () => {
  it("renders the CDN URL (the server snapshot), whatever the breaker says", () => {
    function Url() {
      return createElement("i", null, useEdgeUrl("k.png", { w: 100 }));
    }
    expect(renderToString(createElement(EdgeProvider, { edge: downEdge() }, createElement(Url)))).toBe(
      "<i>https://cdn.example.com/k.png?w=100</i>",
    );
  });

  it("bestUrl: S3 once the CDN's breaker is open", async () => {
    const { bestUrl } = await import("../../../src/react/use-edge-url.js");
    expect(bestUrl(downEdge(), "k.png")).toBe(`${S3}/k.png`);
    expect(bestUrl(createEdge({ cdn: "https://cdn.example.com", origin }), "k.png")).toBe(
      "https://cdn.example.com/k.png",
    );
  });
});
