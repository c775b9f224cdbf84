/** @module Every wire message's zod schema, shared by the daemon and the server. */
export * from "./usage.ts";
export * from "./request_row.ts";
