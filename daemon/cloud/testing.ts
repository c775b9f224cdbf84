/** @module Test helpers for the cloud module: stored rows and configs. Not used at runtime. */
import { type Config, ConfigSchema } from "../config.ts";
import type { StoredRow } from "../store/store.ts";
import { makeRow } from "../store/testing.ts";

/** A complete stored row with every field set (so allow-lists are really tested). */
export function sampleRow(over: Partial<StoredRow> = {}): StoredRow {
  return makeRow(over);
}

/** A config with a `[cloud]` section built from a plain object. */
export function cloudConfig(cloud: Record<string, unknown> = {}): Config {
  return ConfigSchema.parse({ cloud });
}
