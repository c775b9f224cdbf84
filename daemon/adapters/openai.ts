/**
 * @module OpenAI adapter and the OpenAI-style collectors reused by every OpenAI-compatible provider:
 * Chat Completions (JSON and SSE; usage in the final `choices:[]` chunk; repeated usage is never
 * summed: the LAST one wins), Responses (`response.completed|incomplete|failed`), Embeddings.
 * Also the stream-usage injection (`stream_options.include_usage`).
 */
import type { ProviderId, Usage } from "../../shared/schemas/usage.ts";
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
} from "./common.ts";
import type { SseEvent } from "./sse.ts";
import type { Adapter, StreamParser } from "./types.ts";

/** Provider quirks of an OpenAI-style API. */
export interface OpenAiFlavour {
  provider: ProviderId;
  /** xAI: `completion_tokens` EXCLUDES `reasoning_tokens`, so completion = completion + reasoning. */
  reasoningOutsideCompletion?: boolean;
}

/** Normalises an OpenAI-style chat/embeddings `usage` (cached and cache-write are SUBSETS of prompt). */
export function normaliseChatUsage(raw: unknown, flavour: OpenAiFlavour): Counts | null {
  const u = obj(raw);
  if (!u) return null;
  const pd = obj(u.prompt_tokens_details);
  const cd = obj(u.completion_tokens_details);
  const hit = count(u.prompt_cache_hit_tokens); // DeepSeek
  const miss = count(u.prompt_cache_miss_tokens);
  let prompt = count(u.prompt_tokens);
  if (prompt === null && (hit !== null || miss !== null)) prompt = (hit ?? 0) + (miss ?? 0);
  const cached = hit ?? count(pd?.cached_tokens) ?? 0;
  const cacheWrite = count(pd?.cache_write_tokens) ?? 0;
  const reasoning = count(cd?.reasoning_tokens);
  let completion = count(u.completion_tokens) ?? 0;
  if (flavour.reasoningOutsideCompletion) completion += reasoning ?? 0;
  if (prompt === null && count(u.completion_tokens) === null) return null;
  return {
    prompt_tokens: prompt ?? 0,
    completion_tokens: completion,
    cache_read_tokens: cached,
    cache_write_tokens: cacheWrite,
    cache_write_5m_tokens: cacheWrite,
    cache_write_1h_tokens: 0,
    reasoning_tokens: reasoning,
    web_search_requests: null,
  };
}

/** Normalises a Responses API `usage` (input/output naming, same subset semantics). */
export function normaliseResponsesUsage(raw: unknown): Counts | null {
  const u = obj(raw);
  if (!u) return null;
  const id = obj(u.input_tokens_details);
  const od = obj(u.output_tokens_details);
  const prompt = count(u.input_tokens);
  if (prompt === null && count(u.output_tokens) === null) return null;
  const cacheWrite = count(id?.cache_write_tokens) ?? 0;
  return {
    prompt_tokens: prompt ?? 0,
    completion_tokens: count(u.output_tokens) ?? 0,
    cache_read_tokens: count(id?.cached_tokens) ?? 0,
    cache_write_tokens: cacheWrite,
    cache_write_5m_tokens: cacheWrite,
    cache_write_1h_tokens: 0,
    reasoning_tokens: count(od?.reasoning_tokens),
    web_search_requests: null,
  };
}

/** Chat Completions / Completions / Embeddings collector. */
export class ChatCollector implements Collector {
  model: string | null = null;
  id: string | null = null;
  serviceTier: string | null = null;
  error: string | null = null;
  sawAny = false;
  /** The last chunk that carried a usage object (parsed at the end: never summed). */
  lastUsageJson: string | null = null;
  usageObj: unknown = null;
  done = false;

  constructor(
    readonly req: FlowRequest,
    readonly flavour: OpenAiFlavour,
    readonly operation: string,
  ) {}

  #head(o: Record<string, unknown>): void {
    this.model = str(o.model) ?? this.model;
    this.id = str(obj(o.x_groq)?.id) ?? this.id ?? str(o.id);
    this.serviceTier = str(o.service_tier) ?? this.serviceTier;
  }

  event(ev: SseEvent): void {
    this.sawAny = true;
    const d = ev.data;
    if (d === "[DONE]") {
      this.done = true;
      return;
    }
    if (this.model === null) {
      const o = obj(tryJson(d));
      if (o) {
        this.#head(o);
        if (obj(o.usage) || obj(obj(o.x_groq)?.usage)) this.lastUsageJson = d;
        if (o.error !== undefined) this.error = errorText(o);
      }
      return;
    }
    if (KEY.usageObject.test(d)) this.lastUsageJson = d;
    if (ev.event === "error" || KEY.error.test(d)) {
      const o = tryJson(d);
      this.error = errorText(o) ?? (ev.event === "error" ? "error event" : this.error);
    }
  }

  object(json: string): void {
    this.sawAny = true;
    const o = obj(tryJson(json));
    if (!o) return;
    this.#head(o);
    if (o.error !== undefined) this.error = errorText(o);
    if (o.usage !== undefined) this.usageObj = o.usage;
    this.done = true;
  }

  counts(): Counts | null {
    if (this.lastUsageJson !== null) {
      const o = obj(tryJson(this.lastUsageJson));
      if (o) {
        this.serviceTier = str(o.service_tier) ?? this.serviceTier;
        this.usageObj = obj(o.usage) ?? obj(o.x_groq)?.usage ?? null;
      }
    }
    return normaliseChatUsage(this.usageObj, this.flavour);
  }

  finish(ctx: FinishContext): Usage {
    const counts = this.counts();
    return buildUsage(this.flavour.provider, ctx, {
      counts,
      final: counts !== null, // the usage chunk is the final word (Groq also repeats it earlier)
      sawAny: this.sawAny,
      model: this.model,
      requestedModel: requestedModel(ctx.ex),
      bodyRequestId: this.id,
      operation: this.operation,
      stream: ctx.mode === "sse",
      service_tier: this.serviceTier,
      error: this.error,
    });
  }
}

const TERMINAL = new Set(["response.completed", "response.incomplete", "response.failed"]);

/** Responses API collector: usage from the terminal event (streams have no `[DONE]`). */
export class ResponsesCollector implements Collector {
  model: string | null = null;
  id: string | null = null;
  serviceTier: string | null = null;
  error: string | null = null;
  usage: unknown = null;
  final = false;
  sawAny = false;

  constructor(readonly req: FlowRequest, readonly flavour: OpenAiFlavour) {}

  #response(r: Record<string, unknown> | null): void {
    if (!r) return;
    this.model = str(r.model) ?? this.model;
    this.id = str(r.id) ?? this.id;
    this.serviceTier = str(r.service_tier) ?? this.serviceTier;
    if (r.usage !== undefined && r.usage !== null) this.usage = r.usage;
    const e = obj(r.error);
    if (e) this.error = errorText({ error: e });
    if (r.status === "completed" || r.status === "incomplete" || r.status === "failed") {
      this.final = true;
    }
  }

  event(ev: SseEvent): void {
    this.sawAny = true;
    if (ev.data === "[DONE]") return;
    let type = ev.event;
    if (type === "message") type = KEY.type.exec(ev.data)?.[1] ?? "";
    if (
      TERMINAL.has(type) ||
      ((type === "response.created" || type === "response.in_progress") && !this.model)
    ) {
      this.#response(obj(obj(tryJson(ev.data))?.response));
      if (TERMINAL.has(type)) this.final = true;
    } else if (type === "error") {
      this.error = errorText({ error: tryJson(ev.data) }) ?? "error event";
    }
  }

  object(json: string): void {
    this.sawAny = true;
    const o = obj(tryJson(json));
    if (!o) return;
    if (o.object === "response" || o.usage !== undefined) this.#response(o);
    else if (o.error !== undefined) this.error = errorText(o);
  }

  finish(ctx: FinishContext): Usage {
    const counts = normaliseResponsesUsage(this.usage);
    return buildUsage(this.flavour.provider, ctx, {
      counts,
      final: this.final,
      sawAny: this.sawAny,
      model: this.model,
      requestedModel: requestedModel(ctx.ex),
      bodyRequestId: this.id,
      operation: "responses",
      stream: ctx.mode === "sse",
      service_tier: this.serviceTier,
      error: this.error,
    });
  }
}

/** OpenAI-style operation of a path, or null when it is not an LLM call. */
export function openAiOperation(
  path: string,
): "chat" | "completions" | "embeddings" | "responses" | null {
  const p = pathOnly(path);
  if (p.endsWith("/chat/completions")) return "chat";
  if (p.endsWith("/responses")) return "responses";
  if (p.endsWith("/embeddings")) return "embeddings";
  if (p.endsWith("/completions")) return "completions";
  return null;
}

/** A fresh OpenAI-style collector for a request. */
export function openAiCollector(req: FlowRequest, flavour: OpenAiFlavour): Collector {
  const op = openAiOperation(req.path) ?? "chat";
  return op === "responses"
    ? new ResponsesCollector(req, flavour)
    : new ChatCollector(req, flavour, op);
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Whether a request is an OpenAI-style chat completion whose body may need usage injection. */
export function wantsUsageInjection(
  req: FlowRequest,
  opts: { injectStreamUsage: boolean },
): boolean {
  return opts.injectStreamUsage && req.method === "POST" && openAiOperation(req.path) === "chat";
}

/**
 * Adds `stream_options.include_usage: true` to a streaming chat request that lacks it (other
 * stream_options kept). Non-stream, non-JSON, or already-set bodies are left alone (null).
 */
export function injectStreamUsage(body: Uint8Array): Uint8Array | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(dec.decode(body));
  } catch {
    return null;
  }
  const o = obj(parsed);
  if (!o || o.stream !== true) return null;
  const so = o.stream_options;
  if (so !== undefined && so !== null && !obj(so)) return null;
  const opts = obj(so) ?? {};
  if (opts.include_usage !== undefined) return null; // the client chose explicitly
  o.stream_options = { ...opts, include_usage: true };
  return enc.encode(JSON.stringify(o));
}

/** Builds an adapter for an OpenAI-style API reached at some hosts or a base-URL route prefix. */
export function openAiStyleAdapter(opts: {
  flavour: OpenAiFlavour;
  hosts: (host: string) => boolean;
  routePrefix: string | null;
  injectUsage: boolean;
}): Adapter {
  const make = (req: FlowRequest): StreamParser =>
    new BodyParser(openAiCollector(req, opts.flavour));
  const adapter: Adapter = {
    id: opts.flavour.provider,
    matches: (req) =>
      (opts.hosts(hostOnly(req.host)) ||
        (opts.routePrefix !== null && req.routePrefix === opts.routePrefix)) &&
      req.method === "POST" && openAiOperation(req.path) !== null,
    parse: (ex) => parseWhole(make, ex),
    streamParser: make,
  };
  if (opts.injectUsage) {
    adapter.wantsRewrite = wantsUsageInjection;
    adapter.rewriteRequest = (_req, body) => injectStreamUsage(body);
  }
  return adapter;
}

/** The OpenAI adapter (api.openai.com). */
export const openaiAdapter: Adapter = openAiStyleAdapter({
  flavour: { provider: "openai" },
  hosts: (h) => h === "api.openai.com",
  routePrefix: "openai",
  injectUsage: true,
});
