/** @module Normalised token usage, following the OpenTelemetry GenAI convention. */
import { z } from "zod";

/** Providers the daemon knows how to read. `openai_compatible` covers hosts added in config. */
export const ProviderId = z.enum([
  "anthropic",
  "openai",
  "gemini",
  "xai",
  "groq",
  "mistral",
  "deepseek",
  "openai_compatible",
]);
/** A provider id. */
export type ProviderId = z.infer<typeof ProviderId>;

/** How complete the usage of one exchange is. */
export const UsageStatus = z.enum(["ok", "missing", "incomplete", "unparsed"]);
/** A usage status. */
export type UsageStatus = z.infer<typeof UsageStatus>;

const count = z.number().int().nonnegative();

/**
 * Normalised usage of one exchange.
 * - `prompt_tokens`: every input token, cache reads and writes included.
 * - `cache_read_tokens`, `cache_write_tokens` (= 5m + 1h): subsets of `prompt_tokens`.
 * - `completion_tokens`: every billed output token, reasoning included.
 * - `reasoning_tokens`: subset of `completion_tokens`.
 */
export const Usage = z.object({
  provider: ProviderId,
  model: z.string().nullable(),
  requested_model: z.string().nullable(),
  prompt_tokens: count.nullable(),
  completion_tokens: count.nullable(),
  cache_read_tokens: count.nullable(),
  cache_write_tokens: count.nullable(),
  cache_write_5m_tokens: count.nullable(),
  cache_write_1h_tokens: count.nullable(),
  reasoning_tokens: count.nullable(),
  web_search_requests: count.nullable(),
  provider_request_id: z.string().nullable(),
  usage_status: UsageStatus,
  /** Operation kind, e.g. "chat", "responses", "messages", "embeddings", "count_tokens". */
  operation: z.string().nullable(),
  stream: z.boolean(),
  /** Batch API request (priced at the batch discount). */
  batch: z.boolean(),
  /** Not billed at all (e.g. Anthropic count_tokens). */
  billable: z.boolean(),
  /** Provider-reported service tier, e.g. "flex", "priority", "default". */
  service_tier: z.string().nullable(),
  /** Anthropic inference_geo ("us", "global") when reported. */
  inference_geo: z.string().nullable(),
  /** Anthropic speed ("fast") when reported. */
  speed: z.string().nullable(),
  /** Error text from the provider body, if the exchange failed. */
  error: z.string().nullable(),
});
/** Normalised usage. */
export type Usage = z.infer<typeof Usage>;

/** A usage with every count null, for a provider and status. */
export function emptyUsage(provider: ProviderId, usage_status: UsageStatus): Usage {
  return {
    provider,
    model: null,
    requested_model: null,
    prompt_tokens: null,
    completion_tokens: null,
    cache_read_tokens: null,
    cache_write_tokens: null,
    cache_write_5m_tokens: null,
    cache_write_1h_tokens: null,
    reasoning_tokens: null,
    web_search_requests: null,
    provider_request_id: null,
    usage_status,
    operation: null,
    stream: false,
    batch: false,
    billable: true,
    service_tier: null,
    inference_geo: null,
    speed: null,
    error: null,
  };
}
