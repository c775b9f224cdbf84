/** @module The daemon's SQLite store. */
export * from "./store.ts";
export * from "./migrate.ts";
