/** @module The daemon's local server (dashboard + JSON API) and the CLI's client for it. */
export * from "./server.ts";
export * from "./client.ts";
export * from "./core_routes.ts";
export * from "./routes.ts";
export * from "./cloud_hook.ts";
