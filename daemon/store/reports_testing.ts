/** @module Seeded rows for report, dashboard and CLI tests: priced, unpriced and missing-usage. */
import type { StoredBody, StoredRow } from "./store.ts";
import { makeRow } from "./testing.ts";

/** A stored row with defaults; override what a case needs. */
export function seedRow(over: Partial<StoredRow> = {}): StoredRow {
  return makeRow({
    timestamp: "2026-11-10T12:00:00.000Z",
    model: "gpt-5-mini-2026-08-01",
    requested_model: "gpt-5-mini",
    prompt_tokens: 100,
    completion_tokens: 50,
    service_tier: null,
    cost_usd_millicents: 1000,
    pricing_version: "test-1",
    provider_request_id: null,
    project_id: "alpha",
    attribution_method: "rcfile",
    attribution_trail: JSON.stringify([{
      resolver: "header",
      project: null,
      detail: "no X-Halton-Project header",
    }, {
      resolver: "rcfile",
      project: "alpha",
      detail: "/src/alpha/.halton-meter.toml",
    }]),
    hostname: "devbox",
    prompt_hash: null,
    user_agent: "test",
    source_workdir: "/src/alpha",
    latency_ms: 120,
    ttfb_ms: 80,
    request_bytes: 300,
    response_bytes: 900,
    ...over,
  });
}

/** Unpriced: usage known, no price (unknown model). */
export function unpricedRow(over: Partial<StoredRow> = {}): StoredRow {
  return seedRow({
    model: "mystery-model",
    requested_model: "mystery-model",
    cost_usd_millicents: null,
    priced: false,
    ...over,
  });
}

/** Missing usage: a stream that ended without usage. */
export function missingRow(over: Partial<StoredRow> = {}): StoredRow {
  return seedRow({
    usage_status: "missing",
    prompt_tokens: null,
    completion_tokens: null,
    cache_read_tokens: null,
    cache_write_tokens: null,
    cache_write_5m_tokens: null,
    cache_write_1h_tokens: null,
    reasoning_tokens: null,
    web_search_requests: null,
    cost_usd_millicents: null,
    priced: false,
    stream: true,
    ...over,
  });
}

/**
 * A fixed data set over three days and three projects (anthropic, openai, gemini), including
 * unpriced and missing-usage rows, a body with HTML in it, and one row out of range (October).
 */
export function fixtureRows(): { rows: StoredRow[]; bodies: StoredBody[] } {
  const rows: StoredRow[] = [
    seedRow({
      timestamp: "2026-11-08T09:00:00.000Z",
      project_id: "alpha",
      cost_usd_millicents: 12_345,
      prompt_tokens: 1200,
      completion_tokens: 300,
      cache_read_tokens: 1000,
    }),
    seedRow({
      timestamp: "2026-11-08T10:00:00.000Z",
      project_id: "alpha",
      cost_usd_millicents: 55,
      prompt_tokens: 10,
      completion_tokens: 5,
    }),
    seedRow({
      timestamp: "2026-11-09T11:30:00.000Z",
      project_id: "beta",
      provider: "anthropic",
      host: "api.anthropic.com",
      path: "/v1/messages",
      model: "claude-sonnet-4-5-20250929",
      requested_model: "claude-sonnet-4-5",
      prompt_tokens: 5000,
      completion_tokens: 700,
      cache_write_tokens: 2000,
      cache_write_5m_tokens: 1500,
      cache_write_1h_tokens: 500,
      cost_usd_millicents: 250_000,
      attribution_method: "git",
    }),
    seedRow({
      timestamp: "2026-11-09T12:00:00.000Z",
      project_id: "beta",
      provider: "gemini",
      host: "generativelanguage.googleapis.com",
      model: "gemini-2.5-flash",
      requested_model: "gemini-2.5-flash",
      reasoning_tokens: 40,
      completion_tokens: 90,
      cost_usd_millicents: 777,
      hostname: "laptop",
    }),
    unpricedRow({ timestamp: "2026-11-09T13:00:00.000Z", project_id: "beta" }),
    missingRow({
      timestamp: "2026-11-10T08:00:00.000Z",
      project_id: "gamma",
      attribution_method: "header",
    }),
    missingRow({
      timestamp: "2026-11-10T08:05:00.000Z",
      project_id: null,
      attribution_method: null,
      status_code: 502,
      outcome: "upstream_error",
      error: "connection reset",
    }),
    seedRow({
      timestamp: "2026-11-10T09:00:00.000Z",
      project_id: "gamma",
      web_search_requests: 2,
      cost_usd_millicents: 3_000,
      status_code: 429,
      outcome: "complete",
    }),
    seedRow({
      timestamp: "2026-10-01T00:00:00.000Z",
      project_id: "old",
      cost_usd_millicents: 99_999,
    }),
  ];
  const enc = new TextEncoder();
  const bodies: StoredBody[] = [
    {
      request_id: rows[0].request_id,
      direction: "request",
      content_type: "application/json",
      content: enc.encode(
        '{"messages":[{"role":"user","content":"<script>alert(1)</script> hi"}]}',
      ),
      bytes: 70,
      truncated: false,
    },
    {
      request_id: rows[0].request_id,
      direction: "response",
      content_type: "application/json",
      content: enc.encode('{"choices":[{"message":{"content":"hello"}}]}'),
      bytes: 5000,
      truncated: true,
    },
  ];
  return { rows, bodies };
}
