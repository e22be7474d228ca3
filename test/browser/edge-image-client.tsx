/** Browser entry of the <EdgeImage> suite: hydrate the server's HTML, or render into an empty root. */
import { version } from "react";
import { createRoot, hydrateRoot } from "react-dom/client";
import { App, makeEdge, type AppConfig } from "./edge-image-app.js";

(globalThis as { __reactVersion?: string }).__reactVersion = version;
const config = (globalThis as unknown as { __config: AppConfig & { hydrate?: boolean } }).__config;
const root = document.getElementById("root") as HTMLElement;
const app = <App config={config} edge={makeEdge(config)} />;
if (config.hydrate) hydrateRoot(root, app);
else createRoot(root).render(app);
