/**
 * @module Anthropic Messages adapter: JSON and SSE messages, count_tokens (recorded, never billed),
 * Message Batches (marked batch). Stream usage: seeded by `message_start` (the only event with the
 * 5m/1h cache-write split), then `message_delta` running totals OVERWRITE, never add.
 */
import type { Usage } from "../../shared/schemas/usage.ts";
import type { FlowRequest } from "../proxy/flow.ts";
import {
  BodyParser,
  buildUsage,
  type Collector,
  count,
  type Counts,
  errorText,
  type FinishContext,
  hostOnly,
  KEY,
  obj,
  parseWhole,
  pathOnly,
  requestedModel,
  str,
  tryJson,
  zeroCounts,
} from "./common.ts";
import type { SseEvent } from "./sse.ts";
import type { Adapter, StreamParser } from "./types.ts";

const HOST = "api.anthropic.com";

interface Totals {
  input: number | null;
  cacheCreation: number | null;
  cacheRead: number | null;
  cw5m: number | null;
  cw1h: number | null;
  output: number | null;
  thinking: number | null;
  webSearch: number | null;
  serviceTier: string | null;
  geo: string | null;
  speed: string | null;
}

function emptyTotals(): Totals {
  return {
    input: null,
    cacheCreation: null,
    cacheRead: null,
    cw5m: null,
    cw1h: null,
    output: null,
    thinking: null,
    webSearch: null,
    serviceTier: null,
    geo: null,
    speed: null,
  };
}

/** Overwrites every field present in `u` (running totals: never add). */
function applyUsage(t: Totals, raw: unknown): boolean {
  const u = obj(raw);
  if (!u) return false;
  const set = <K extends keyof Totals>(k: K, v: Totals[K] | null) => {
    if (v !== null) t[k] = v;
  };
  set("input", count(u.input_tokens));
  set("cacheCreation", count(u.cache_creation_input_tokens));
  set("cacheRead", count(u.cache_read_input_tokens));
  set("output", count(u.output_tokens));
  const cc = obj(u.cache_creation);
  if (cc) {
    set("cw5m", count(cc.ephemeral_5m_input_tokens));
    set("cw1h", count(cc.ephemeral_1h_input_tokens));
  }
  set("thinking", count(obj(u.output_tokens_details)?.thinking_tokens));
  set("webSearch", count(obj(u.server_tool_use)?.web_search_requests));
  set("serviceTier", str(u.service_tier));
  set("geo", str(u.inference_geo));
  set("speed", str(u.speed));
  return true;
}

/** Normalises Anthropic totals: cache reads and writes are ADDITIVE to input_tokens on the wire. */
export function normaliseAnthropic(t: Totals): Counts {
  const cc = t.cacheCreation ?? 0;
  const cr = t.cacheRead ?? 0;
  let cw1h = Math.min(t.cw1h ?? 0, cc);
  let cw5m = cc - cw1h;
  if (t.cw5m === null && t.cw1h === null) {
    cw5m = cc; // no TTL split reported: all writes are 5m writes
    cw1h = 0;
  }
  return {
    prompt_tokens: (t.input ?? 0) + cc + cr,
    completion_tokens: t.output ?? 0,
    cache_read_tokens: cr,
    cache_write_tokens: cc,
    cache_write_5m_tokens: cw5m,
    cache_write_1h_tokens: cw1h,
    reasoning_tokens: t.thinking,
    web_search_requests: t.webSearch ?? 0,
  };
}

function operationOf(path: string): { op: string; batch: boolean; billable: boolean } {
  const p = pathOnly(path);
  if (p.endsWith("/count_tokens")) return { op: "count_tokens", batch: false, billable: false };
  if (p.includes("/messages/batches")) {
    return p.endsWith("/results")
      ? { op: "batch_results", batch: true, billable: true }
      : { op: "batch", batch: true, billable: false };
  }
  return { op: "messages", batch: false, billable: true };
}

class AnthropicCollector implements Collector {
  totals = emptyTotals();
  usageSeen = false;
  final = false;
  sawAny = false;
  model: string | null = null;
  id: string | null = null;
  error: string | null = null;
  batchLines = 0;

  constructor(readonly req: FlowRequest) {}

  event(ev: SseEvent): void {
    this.sawAny = true;
    let type = ev.event;
    if (type === "message") type = KEY.type.exec(ev.data)?.[1] ?? "";
    if (type === "message_start") {
      const m = obj(obj(tryJson(ev.data))?.message);
      if (!m) return;
      this.model = str(m.model) ?? this.model;
      this.id = str(m.id) ?? this.id;
      this.usageSeen = applyUsage(this.totals, m.usage) || this.usageSeen;
    } else if (type === "message_delta") {
      const d = obj(tryJson(ev.data));
      this.usageSeen = applyUsage(this.totals, d?.usage) || this.usageSeen;
      this.final = true;
    } else if (type === "message_stop") {
      this.final = true;
    } else if (type === "error") {
      this.error = errorText(tryJson(ev.data)) ?? "error event";
    }
  }

  object(json: string): void {
    this.sawAny = true;
    const o = obj(tryJson(json));
    if (!o) return;
    if (o.type === "error" || o.error) {
      this.error = errorText(o);
      this.id = str(o.request_id) ?? this.id;
      return;
    }
    const result = obj(o.result);
    if (result) {
      // Batch results (JSONL): one line per request of the batch; this exchange bills them all.
      const m = obj(result.message);
      if (m && result.type === "succeeded") {
        const t = emptyTotals();
        if (applyUsage(t, m.usage)) {
          const acc = this.totals;
          const plus = (
            a: number | null,
            b: number | null,
          ) => (a === null && b === null ? null : (a ?? 0) + (b ?? 0));
          acc.input = plus(acc.input, t.input);
          acc.cacheCreation = plus(acc.cacheCreation, t.cacheCreation);
          acc.cacheRead = plus(acc.cacheRead, t.cacheRead);
          acc.cw5m = plus(acc.cw5m, t.cw5m);
          acc.cw1h = plus(acc.cw1h, t.cw1h);
          acc.output = plus(acc.output, t.output);
          acc.webSearch = plus(acc.webSearch, t.webSearch);
          this.usageSeen = true;
          this.model = str(m.model) ?? this.model;
        }
      }
      this.batchLines++;
      this.final = true;
      return;
    }
    this.model = str(o.model) ?? this.model;
    this.id = str(o.id) ?? this.id;
    if (o.usage !== undefined) this.usageSeen = applyUsage(this.totals, o.usage) || this.usageSeen;
    else if (count(o.input_tokens) !== null) {
      this.totals.input = count(o.input_tokens); // count_tokens: {"input_tokens": N}
      this.usageSeen = true;
    }
    this.final = true;
  }

  finish(ctx: FinishContext): Usage {
    const { op, batch, billable } = operationOf(this.req.path);
    // Creating or polling a batch carries no tokens: the results download bills them.
    const noTokens = op === "batch" && !this.usageSeen && this.sawAny;
    return buildUsage("anthropic", ctx, {
      counts: this.usageSeen ? normaliseAnthropic(this.totals) : noTokens ? zeroCounts() : null,
      final: this.final,
      sawAny: this.sawAny,
      model: this.model,
      requestedModel: requestedModel(ctx.ex),
      bodyRequestId: this.id,
      operation: op,
      stream: ctx.mode === "sse",
      batch,
      billable,
      service_tier: this.totals.serviceTier,
      inference_geo: this.totals.geo,
      speed: this.totals.speed,
      error: this.error,
    });
  }
}

function isLlmPath(req: FlowRequest): boolean {
  const p = pathOnly(req.path);
  if (req.method === "GET") return /^\/v1\/messages\/batches\/[^/]+\/results$/.test(p);
  if (req.method !== "POST") return false;
  return p === "/v1/messages" || p === "/v1/messages/count_tokens" || p === "/v1/messages/batches";
}

function streamParser(req: FlowRequest): StreamParser {
  return new BodyParser(new AnthropicCollector(req));
}

/** The Anthropic adapter. */
export const anthropicAdapter: Adapter = {
  id: "anthropic",
  matches: (req) =>
    (hostOnly(req.host) === HOST || req.routePrefix === "anthropic") && isLlmPath(req),
  parse: (ex) => parseWhole(streamParser, ex),
  streamParser,
};
