/**
 * @module The adapter registry: an ordered array of adapters (first match wins), never a switch.
 * Built providers first, then the hosts from `[proxy] intercept_hosts` as OpenAI-compatible.
 */
import type { FlowRequest } from "../proxy/flow.ts";
import { anthropicAdapter } from "./anthropic.ts";
import { geminiAdapter } from "./gemini.ts";
import { openaiAdapter } from "./openai.ts";
import {
  deepseekAdapter,
  extraHostsAdapter,
  groqAdapter,
  mistralAdapter,
  xaiAdapter,
} from "./openai_compatible.ts";
import type { Adapter } from "./types.ts";

/** Finds the adapter that reads a request. */
export interface AdapterRegistry {
  /** The first adapter matching the request (host or base-URL route prefix, and an LLM path), or null. */
  find(req: FlowRequest): Adapter | null;
  /** Every adapter, in match order. */
  readonly adapters: readonly Adapter[];
}

/** The built-in adapters, in match order. */
export const BUILTIN_ADAPTERS: readonly Adapter[] = [
  anthropicAdapter,
  openaiAdapter,
  geminiAdapter,
  xaiAdapter,
  groqAdapter,
  mistralAdapter,
  deepseekAdapter,
];

/** Builds the registry; `extraHosts` (from `[proxy] intercept_hosts`) are read as OpenAI-compatible. */
export function createRegistry(opts: { extraHosts: string[] }): AdapterRegistry {
  const adapters: Adapter[] = [...BUILTIN_ADAPTERS];
  if (opts.extraHosts.length > 0) adapters.push(extraHostsAdapter(opts.extraHosts));
  return {
    adapters,
    find(req: FlowRequest): Adapter | null {
      for (const a of adapters) if (a.matches(req)) return a;
      return null;
    },
  };
}
