/** @module shared: zod wire schemas, pricing and cost code, money helpers. Imported by daemon and server. */
export * from "./result.ts";
export * from "./money.ts";
export * from "./schemas/mod.ts";
