/**
 * @module Shared adapter plumbing: the body parser shell (sniffs SSE vs JSON, feeds the incremental
 * decoders), request helpers (requested model, request id), and the rules that turn what was seen
 * into a usage status.
 */
import { err, ok, type Result } from "../../shared/result.ts";
import {
  emptyUsage,
  type ProviderId,
  type Usage,
  type UsageStatus,
} from "../../shared/schemas/usage.ts";
import type { Exchange, FlowRequest } from "../proxy/flow.ts";
import { JsonObjectSplitter, SseDecoder, type SseEvent } from "./sse.ts";
import type { StreamParser } from "./types.ts";

/** How the body was framed. */
export type BodyMode = "sse" | "json" | "empty";

/** What a collector is told when the exchange ends. */
export interface FinishContext {
  ex: Exchange;
  mode: BodyMode;
  /** The first characters of a JSON-mode body (for errors from non-JSON bodies). */
  head: string;
}

/** A provider's incremental state: receives events/objects, produces usage. */
export interface Collector {
  event(ev: SseEvent): void;
  object(json: string): void;
  finish(ctx: FinishContext): Usage;
}

function isSpace(b: number): boolean {
  return b === 32 || b === 9 || b === 10 || b === 13;
}

/** The parser shell: decides the framing from the first non-blank byte, then streams into a collector. */
export class BodyParser implements StreamParser {
  #collector: Collector;
  #mode: BodyMode = "empty";
  #sse: SseDecoder | null = null;
  #json: JsonObjectSplitter | null = null;
  #failed: string | null = null;

  constructor(collector: Collector) {
    this.#collector = collector;
  }

  push(chunk: Uint8Array): void {
    if (this.#failed) return;
    try {
      if (this.#mode === "empty") {
        let i = 0;
        while (i < chunk.length && isSpace(chunk[i])) i++;
        if (i === chunk.length) return; // leading blank lines (DeepSeek under load)
        const c = chunk[i];
        if (c === 123 || c === 91) {
          this.#mode = "json";
          this.#json = new JsonObjectSplitter((s) => this.#collector.object(s));
        } else {
          this.#mode = "sse";
          this.#sse = new SseDecoder((ev) => this.#collector.event(ev));
        }
        chunk = i === 0 ? chunk : chunk.subarray(i);
      }
      if (this.#sse) this.#sse.push(chunk);
      else this.#json?.push(chunk);
    } catch (e) {
      this.#failed = e instanceof Error ? e.message : String(e);
    }
  }

  finish(ex: Exchange): Result<Usage, string> {
    try {
      this.#sse?.end();
      this.#json?.end();
      if (this.#failed) return err(`Cannot parse response body: ${this.#failed}`);
      const u = this.#collector.finish({ ex, mode: this.#mode, head: this.#json?.head ?? "" });
      if (this.#json?.overflowed && !u.error) {
        u.error = "Response JSON object too large to parse (over 64 MiB)";
      }
      return ok(u);
    } catch (e) {
      return err(`Cannot parse response body: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** `parse(exchange)` = a fresh stream parser fed the whole body, then finished. */
export function parseWhole(
  make: (req: FlowRequest, status: number, contentType: string) => StreamParser,
  ex: Exchange,
): Result<Usage, string> {
  const p = make(ex.request, ex.status ?? 0, ex.responseHeaders["content-type"] ?? "");
  p.push(ex.responseBody);
  return p.finish(ex);
}

/** Parses JSON, or null when it is not JSON. */
export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A plain object, or null. */
export function obj(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? v as Record<string, unknown>
    : null;
}

/** A non-negative integer count, or null. */
export function count(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.round(v) : null;
}

/** A string or null. */
export function str(v: unknown): string | null {
  return typeof v === "string" && v.length > 0 ? v : null;
}

/** Adds counts where null means "not reported". */
export function add(a: number | null, b: number | null): number | null {
  return a === null && b === null ? null : (a ?? 0) + (b ?? 0);
}

/** The request path without its query string. */
export function pathOnly(path: string): string {
  const q = path.indexOf("?");
  return q === -1 ? path : path.slice(0, q);
}

/** Host without port, lower case. */
export function hostOnly(host: string): string {
  const h = host.toLowerCase();
  if (h.startsWith("[")) return h.slice(0, h.indexOf("]") + 1);
  const c = h.lastIndexOf(":");
  return c === -1 ? h : h.slice(0, c);
}

const decoder = new TextDecoder();

/** The request body as a JSON object (null when not JSON or truncated beyond repair). */
export function requestJson(ex: Exchange): Record<string, unknown> | null {
  if (ex.requestBody.length === 0) return null;
  return obj(tryJson(decoder.decode(ex.requestBody)));
}

/** The model the client asked for: body `model` (falls back to a regex when the body was truncated). */
export function requestedModel(ex: Exchange): string | null {
  const body = requestJson(ex);
  if (body) return str(body.model);
  if (ex.requestBody.length === 0) return null;
  const m = /"model"\s*:\s*"([^"]{1,200})"/.exec(decoder.decode(ex.requestBody.subarray(0, 65536)));
  return m ? m[1] : null;
}

/** `request-id` / `x-request-id` response header. */
export function headerRequestId(ex: Exchange): string | null {
  const h = ex.responseHeaders;
  return str(h["request-id"]) ?? str(h["x-request-id"]);
}

/** One-line error text from a provider error body ({error:{type,message}}, {error:"…"}, Google's shape). */
export function errorText(body: unknown): string | null {
  const o = obj(body);
  if (!o) return null;
  const e = o.error;
  if (typeof e === "string") return oneLine(e);
  const eo = obj(e);
  if (!eo) return null;
  const kind = str(eo.type) ?? str(eo.status) ?? str(eo.code) ??
    (typeof eo.code === "number" ? String(eo.code) : null);
  const msg = str(eo.message);
  return oneLine([kind, msg].filter(Boolean).join(": ") || JSON.stringify(eo));
}

/** Collapses whitespace and caps length for the `error` column. */
export function oneLine(s: string): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > 300 ? t.slice(0, 297) + "..." : t;
}

/** Usage status from what was seen (see README "usage"). */
export function statusOf(
  o: { usageSeen: boolean; final: boolean; sawAny: boolean; ex: Exchange },
): UsageStatus {
  if (o.usageSeen) return o.final && o.ex.outcome === "complete" ? "ok" : "incomplete";
  if (o.ex.outcome !== "complete") return "incomplete";
  return o.sawAny ? "missing" : "unparsed";
}

/** Counts normalised by an adapter (before status rules). */
export interface Counts {
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  cache_write_5m_tokens: number | null;
  cache_write_1h_tokens: number | null;
  reasoning_tokens: number | null;
  web_search_requests: number | null;
}

/** Zero counts, for exchanges that carry no tokens by nature (batch creation, unbilled errors). */
export function zeroCounts(): Counts {
  return {
    prompt_tokens: 0,
    completion_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    cache_write_5m_tokens: 0,
    cache_write_1h_tokens: 0,
    reasoning_tokens: 0,
    web_search_requests: 0,
  };
}

/** Everything a collector knows at the end, turned into a Usage with the shared status rules. */
export function buildUsage(provider: ProviderId, ctx: FinishContext, seen: {
  counts: Counts | null;
  final: boolean;
  sawAny: boolean;
  model: string | null;
  requestedModel: string | null;
  bodyRequestId: string | null;
  operation: string;
  stream: boolean;
  batch?: boolean;
  billable?: boolean;
  service_tier?: string | null;
  inference_geo?: string | null;
  speed?: string | null;
  error: string | null;
}): Usage {
  const { ex } = ctx;
  const httpError = ex.status !== null && ex.status >= 400;
  let status = statusOf({
    usageSeen: seen.counts !== null,
    final: seen.final,
    sawAny: seen.sawAny,
    ex,
  });
  const u = emptyUsage(provider, status);
  let counts = seen.counts;
  let billable = seen.billable ?? true;
  if (httpError && counts === null) {
    // An HTTP error without usage is not billed (no provider puts usage in error bodies).
    billable = false;
    status = "ok";
    counts = zeroCounts();
  }
  let error = seen.error;
  if (httpError && !error) {
    error = oneLine(`HTTP ${ex.status}${ctx.head ? ": " + ctx.head : ""}`);
  }
  if (!error && ex.outcome !== "complete") {
    error = oneLine(`Stream ended early (${ex.outcome})${ex.error ? ": " + ex.error : ""}`);
  }
  return {
    ...u,
    ...(counts ?? {}),
    usage_status: status,
    model: seen.model ?? seen.requestedModel,
    requested_model: seen.requestedModel,
    provider_request_id: headerRequestId(ex) ?? seen.bodyRequestId,
    operation: seen.operation,
    stream: seen.stream,
    batch: seen.batch ?? false,
    billable,
    service_tier: seen.service_tier ?? null,
    inference_geo: seen.inference_geo ?? null,
    speed: seen.speed ?? null,
    error,
  };
}

/** Regex tests that match a key in raw JSON but not the same word escaped inside a string value. */
export const KEY = {
  usageObject: /"usage"\s*:\s*\{/,
  error: /"error"\s*:/,
  usageMetadata: /"usageMetadata"\s*:/,
  finishReason: /"finishReason"\s*:\s*"/,
  type: /"type"\s*:\s*"([^"]+)"/,
};
