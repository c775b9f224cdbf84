/** @module The sync contract's request row: what a daemon stores locally and (redacted) uploads. */
import { z } from "zod";
import { ProviderId, UsageStatus } from "./usage.ts";

const count = z.number().int().nonnegative().nullable();

/** Fields every privacy preset sends (the `minimal` preset). */
export const MINIMAL_FIELDS = [
  "request_id",
  "timestamp",
  "provider",
  "model",
  "method",
  "path",
  "status_code",
  "prompt_tokens",
  "completion_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "cache_write_5m_tokens",
  "cache_write_1h_tokens",
  "reasoning_tokens",
  "web_search_requests",
  "usage_status",
  "cost_usd_millicents",
  "priced",
  "pricing_version",
  "requested_model",
  "batch",
  "service_tier",
] as const;

/** Fields the `standard` preset adds. */
export const STANDARD_EXTRA_FIELDS = [
  "project_id",
  "attribution_method",
  "hostname",
  "prompt_hash",
  "provider_request_id",
] as const;

/** Fields the `full` preset adds. */
export const FULL_EXTRA_FIELDS = ["latency_ms", "ttfb_ms", "user_agent"] as const;

/** Fields sent only when explicitly enabled one by one. */
export const EXPLICIT_ONLY_FIELDS = ["source_workdir"] as const;

/**
 * One request row on the wire (daemon → server). Minimal fields are required; the rest are
 * optional because a privacy preset may withhold them.
 */
export const RequestRow = z.object({
  request_id: z.uuid(),
  timestamp: z.iso.datetime({ offset: true }),
  provider: z.union([ProviderId, z.string().min(1).max(64)]),
  model: z.string().max(200).nullable(),
  requested_model: z.string().max(200).nullable().optional(),
  method: z.string().min(1).max(16),
  path: z.string().max(2048),
  status_code: z.number().int().min(0).max(999).nullable(),
  prompt_tokens: count,
  completion_tokens: count,
  cache_read_tokens: count,
  cache_write_tokens: count,
  cache_write_5m_tokens: count.optional(),
  cache_write_1h_tokens: count.optional(),
  reasoning_tokens: count.optional(),
  web_search_requests: count.optional(),
  usage_status: UsageStatus.nullable().optional(),
  cost_usd_millicents: z.number().int().nonnegative().nullable(),
  priced: z.boolean().optional(),
  pricing_version: z.string().max(64).nullable().optional(),
  batch: z.boolean().optional(),
  service_tier: z.string().max(32).nullable().optional(),
  project_id: z.string().max(200).nullable().optional(),
  attribution_method: z.string().max(64).nullable().optional(),
  hostname: z.string().max(255).nullable().optional(),
  prompt_hash: z.string().regex(/^[0-9a-f]{16}$/).nullable().optional(),
  provider_request_id: z.string().max(255).nullable().optional(),
  latency_ms: z.number().int().nonnegative().nullable().optional(),
  ttfb_ms: z.number().int().nonnegative().nullable().optional(),
  user_agent: z.string().max(512).nullable().optional(),
  source_workdir: z.string().max(4096).nullable().optional(),
});
/** A request row on the wire. */
export type RequestRow = z.infer<typeof RequestRow>;
