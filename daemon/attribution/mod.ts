/**
 * @module Smart Attribution: which project a request belongs to. The capture calls
 * `createAttributor(...).resolve(req)` at request time and awaits it after the exchange.
 */
export * from "./types.ts";
export { createAttributor, PID_CACHE_TTL_MS, systemInspector } from "./attributor.ts";
export type { AttributorOptions, CachingAttributor } from "./attributor.ts";
export { explain, type ExplainTarget } from "./explain.ts";
export type { ProcessInspector } from "./process.ts";
export { findRcFile, parseRcFile, RCFILE_NAME, writeRcFile } from "./rcfile.ts";
export { ENV_VAR } from "./resolvers.ts";
export { isSlug, slugify, slugProblem } from "./slug.ts";
