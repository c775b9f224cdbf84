/** @module Cloud sync: pairing, the sync worker, privacy, and the daemon's local control routes. */
export * from "./client.ts";
export * from "./config_edit.ts";
export * from "./credentials.ts";
export * from "./local_routes.ts";
export * from "./pairing.ts";
export * from "./privacy.ts";
export * from "./status.ts";
export * from "./supervisor.ts";
export * from "./worker.ts";
