/** browserHealthStore: the browser's wiring of persisted health (localStorage + storage event, else BroadcastChannel). */
import { afterEach, describe, expect, it, vi } from "vitest";
import { browserHealthStore } from "../../../src/browser/health-store.js";
import { createHostHealth } from "../../../src/core/health.js";

/** A Web Storage over a Map (what `localStorage` offers). */
class MemoryStorage {
  readonly map = new Map<string, string>();
  get length() {
    return this.map.size;
  }
  key(i: number) {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

afterEach(() => vi.unstubAllGlobals());

describe("browserHealthStore", () => {
  it("persists verdicts in localStorage so that the next page load starts open", () => {
    const storage = new MemoryStorage();
    vi.stubGlobal("localStorage", storage);
    const clock = { t: 5_000 };
    const page1 = createHostHealth({ store: browserHealthStore(), now: () => clock.t });
    for (let i = 0; i < 3; i++) page1.failure("cdn.test", "network");
    expect([...storage.map.keys()]).toEqual(["s3edge:health:v1:cdn.test"]);
    const page2 = createHostHealth({ store: browserHealthStore(), now: () => clock.t });
    expect(page2.usable("cdn.test")).toBe(false);
  });

  it("listens to storage events of other tabs", () => {
    const storage = new MemoryStorage();
    const target = new EventTarget();
    vi.stubGlobal("localStorage", storage);
    vi.stubGlobal("addEventListener", target.addEventListener.bind(target));
    vi.stubGlobal("removeEventListener", target.removeEventListener.bind(target));
    const clock = { t: 5_000 };
    const tab = createHostHealth({ store: browserHealthStore(), now: () => clock.t });
    const verdict = {
      v: 1,
      host: "cdn.test",
      state: "open",
      until: 20_000,
      cooldownMs: 15_000,
      failures: 3,
      at: 5_000,
      expires: 620_000,
    };
    const event = Object.assign(new Event("storage"), {
      key: "s3edge:health:v1:cdn.test",
      newValue: JSON.stringify(verdict),
    });
    target.dispatchEvent(event);
    expect(tab.status("cdn.test")).toMatchObject({ state: "open", openedUntil: 20_000 });
  });

  it("falls back to a BroadcastChannel when localStorage refuses access", async () => {
    vi.stubGlobal("localStorage", {
      setItem() {
        throw new DOMException("The operation is insecure.", "SecurityError");
      },
    });
    const clock = { t: 5_000 };
    const a = createHostHealth({ store: browserHealthStore(), now: () => clock.t });
    const b = createHostHealth({ store: browserHealthStore(), now: () => clock.t });
    for (let i = 0; i < 3; i++) a.failure("cdn.test");
    await vi.waitFor(() => expect(b.status("cdn.test").state).toBe("open"));
  });

  it("works (page-local) where neither exists, as in SSR", () => {
    vi.stubGlobal("localStorage", undefined);
    vi.stubGlobal("BroadcastChannel", undefined);
    const health = createHostHealth({ store: browserHealthStore() });
    for (let i = 0; i < 3; i++) health.failure("cdn.test");
    expect(health.usable("cdn.test")).toBe(false);
  });
});
