/** @module Capture: turns finished proxy exchanges into stored rows. */
export * from "./capture.ts";
export * from "./prompt_hash.ts";
