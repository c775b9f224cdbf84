/** @module Every wire message's zod schema, shared by the daemon and the server. */
export * from "./usage.ts";
export * from "./request_row.ts";
export * from "./workspace.ts";
export * from "./api_error.ts";
export * from "./pairing.ts";
export * from "./daemon_api.ts";
export * from "./batch.ts";
export * from "./bodies.ts";
export * from "./reconciliation.ts";
export * from "./auth.ts";
export * from "./cloud_status.ts";
