/**
 * One RGW per test run, started on first use. Lives in vitest's main process (global setup) and
 * answers test workers over loopback HTTP:
 * - `GET /rgw` starts the cluster the first time (tens of seconds) and answers its connection facts
 *   ({@link RgwInfo}); a failed start is remembered, so every suite fails at once with its reason;
 * - `POST /rgw/restart-gateway` kills radosgw and starts it again (objects and uploads survive).
 * A run that never asks for RGW (every focused run of other suites) never starts it.
 * Several projects of one run share the broker (a `globalThis` singleton with a reference count).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { startRgw, type Rgw } from "./rgw.js";
import type { RgwInfo } from "./types.js";

interface Broker {
  url: string;
  users: number;
  rgw: Promise<Rgw> | undefined;
  server: Server;
}

const KEY = Symbol.for("s3edge.test.rgw-broker");
type Holder = { [KEY]?: Promise<Broker> };

function info(rgw: Rgw): RgwInfo {
  return {
    endpoint: rgw.endpoint,
    bucket: rgw.bucket,
    region: rgw.region,
    credentials: rgw.credentials,
    version: rgw.version,
  };
}

async function createBroker(): Promise<Broker> {
  const broker: Broker = { url: "", users: 0, rgw: undefined, server: createServer() };
  const rgw = (): Promise<Rgw> => (broker.rgw ??= startRgw());
  broker.server.on("request", (req, res) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    const route = `${req.method} ${req.url}`;
    const work =
      route === "GET /rgw"
        ? rgw().then(info)
        : route === "POST /rgw/restart-gateway"
          ? rgw().then(async (r) => {
              await r.restartGateway();
              return info(r);
            })
          : undefined;
    if (!work) return reply(404, { error: `unknown route ${route}` });
    work.then(
      (body) => reply(200, body),
      (error: unknown) => reply(500, { error: error instanceof Error ? error.message : String(error) }),
    );
  });
  // A cold start takes tens of seconds: no server-side timeouts on these requests.
  broker.server.requestTimeout = 0;
  broker.server.headersTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    broker.server.once("error", reject);
    broker.server.listen(0, "127.0.0.1", () => resolve());
  });
  broker.url = `http://127.0.0.1:${(broker.server.address() as AddressInfo).port}`;
  return broker;
}

/** The run's broker (started by the first caller); pair every call with {@link releaseBroker}. */
export async function acquireBroker(): Promise<string> {
  const holder = globalThis as Holder;
  const broker = await (holder[KEY] ??= createBroker());
  broker.users += 1;
  return broker.url;
}

/** Drops one reference; the last one stops RGW (if it was started) and the broker. */
export async function releaseBroker(): Promise<void> {
  const holder = globalThis as Holder;
  const pending = holder[KEY];
  if (!pending) return;
  const broker = await pending;
  broker.users -= 1;
  if (broker.users > 0) return;
  delete holder[KEY];
  broker.server.closeAllConnections();
  await new Promise<void>((resolve) => broker.server.close(() => resolve()));
  const rgw = await broker.rgw?.catch(() => undefined);
  await rgw?.close();
}
