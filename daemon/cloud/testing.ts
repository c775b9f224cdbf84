/** @module Test helpers for the cloud module: stored rows and configs. Not used at runtime. */
import { type Config, ConfigSchema } from "../config.ts";
import type { StoredRow } from "../store/store.ts";

/** A complete stored row with every field set (so allow-lists are really tested). */
export function sampleRow(over: Partial<StoredRow> = {}): StoredRow {
  return {
    request_id: crypto.randomUUID(),
    timestamp: new Date("2026-11-20T10:00:00.000Z").toISOString(),
    provider: "openai",
    model: "gpt-4o-mini-2024-07-18",
    requested_model: "gpt-4o-mini",
    method: "POST",
    host: "api.openai.com",
    path: "/v1/chat/completions",
    status_code: 200,
    mode: "mitm",
    stream: false,
    operation: "chat",
    prompt_tokens: 120,
    completion_tokens: 30,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    cache_write_5m_tokens: 0,
    cache_write_1h_tokens: 0,
    reasoning_tokens: 0,
    web_search_requests: 0,
    usage_status: "ok",
    batch: false,
    billable: true,
    service_tier: "default",
    inference_geo: null,
    speed: null,
    cost_usd_millicents: 36,
    priced: true,
    pricing_version: "2026-11-01",
    provider_request_id: "chatcmpl-abc",
    project_id: "billing",
    attribution_method: "git",
    attribution_trail: '[{"resolver":"git","project":"billing"}]',
    hostname: "dev-laptop",
    prompt_hash: "0123456789abcdef",
    user_agent: "OpenAI/JS 4.0",
    error: null,
    outcome: "complete",
    source_workdir: "/home/me/src/billing",
    client_pid: 4242,
    latency_ms: 812,
    ttfb_ms: 300,
    request_bytes: 900,
    response_bytes: 1200,
    ...over,
  };
}

/** A config with a `[cloud]` section built from a plain object. */
export function cloudConfig(cloud: Record<string, unknown> = {}): Config {
  return ConfigSchema.parse({ cloud });
}
