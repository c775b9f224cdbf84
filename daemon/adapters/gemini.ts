/**
 * @module Google Gemini (Generative Language API, also Vertex AI paths): generateContent,
 * streamGenerateContent with `alt=sse` (`\r\n\r\n` separators) or JSON-array framing, countTokens
 * (never billed), batchGenerateContent (batch). The model comes from the URL path. usageMetadata is
 * CUMULATIVE in every chunk: the last one wins. Thoughts are billed as output, so
 * completion = candidates + thoughts; prompt = promptTokenCount (cached included) + toolUsePromptTokenCount.
 * The OpenAI-compatible endpoint (`/v1beta/openai/…`) is read with the OpenAI collectors.
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
  str,
  tryJson,
} from "./common.ts";
import { openAiCollector, openAiOperation } from "./openai.ts";
import type { SseEvent } from "./sse.ts";
import type { Adapter, StreamParser } from "./types.ts";

const METHOD_RE = /\/(?:models|tunedModels)\/([^/:?]+):([A-Za-z]+)/;

/** Model and method from a Gemini path, e.g. `/v1beta/models/gemini-2.5-pro:streamGenerateContent`. */
export function geminiPath(path: string): { model: string; method: string } | null {
  const m = METHOD_RE.exec(pathOnly(path));
  return m ? { model: decodeURIComponent(m[1]), method: m[2] } : null;
}

const OPERATIONS: Record<string, { op: string; billable: boolean; batch: boolean }> = {
  generateContent: { op: "generate_content", billable: true, batch: false },
  streamGenerateContent: { op: "stream_generate_content", billable: true, batch: false },
  countTokens: { op: "count_tokens", billable: false, batch: false },
  batchGenerateContent: { op: "batch", billable: true, batch: true },
  embedContent: { op: "embeddings", billable: true, batch: false },
  batchEmbedContents: { op: "embeddings", billable: true, batch: false },
};

/** Normalises Gemini usageMetadata (cachedContentTokenCount is a SUBSET of promptTokenCount). */
export function normaliseGemini(raw: unknown): Counts | null {
  const u = obj(raw);
  if (!u) return null;
  const prompt = count(u.promptTokenCount) ?? count(u.totalTokens);
  const tool = count(u.toolUsePromptTokenCount) ?? 0;
  const cand = count(u.candidatesTokenCount) ?? 0;
  const thoughts = count(u.thoughtsTokenCount);
  return {
    prompt_tokens: (prompt ?? 0) + tool,
    completion_tokens: cand + (thoughts ?? 0),
    cache_read_tokens: count(u.cachedContentTokenCount) ?? 0,
    cache_write_tokens: 0,
    cache_write_5m_tokens: 0,
    cache_write_1h_tokens: 0,
    reasoning_tokens: thoughts,
    web_search_requests: null,
  };
}

class GeminiCollector implements Collector {
  lastUsageJson: string | null = null;
  countTokens: number | null = null;
  final = false;
  sawAny = false;
  error: string | null = null;

  readonly isCountTokens: boolean;

  constructor(readonly req: FlowRequest) {
    this.isCountTokens = geminiPath(req.path)?.method === "countTokens";
  }

  #chunk(json: string): void {
    this.sawAny = true;
    if (KEY.usageMetadata.test(json)) this.lastUsageJson = json;
    if (KEY.finishReason.test(json)) this.final = true;
    if (KEY.error.test(json)) {
      const e = errorText(tryJson(json));
      if (e) this.error = e;
    }
    if (this.isCountTokens && this.countTokens === null && /"totalTokens"\s*:/.test(json)) {
      this.countTokens = count(obj(tryJson(json))?.totalTokens);
    }
  }

  event(ev: SseEvent): void {
    this.#chunk(ev.data);
  }

  object(json: string): void {
    this.#chunk(json);
  }

  finish(ctx: FinishContext): Usage {
    const gp = geminiPath(this.req.path);
    const op = OPERATIONS[gp?.method ?? ""] ??
      { op: gp?.method ?? "unknown", billable: true, batch: false };
    const last = this.lastUsageJson ? obj(tryJson(this.lastUsageJson)) : null;
    let counts = normaliseGemini(last?.usageMetadata);
    let final = this.final || ctx.mode === "json";
    if (!counts && this.countTokens !== null) {
      counts = normaliseGemini({ promptTokenCount: this.countTokens });
      final = true;
    }
    return buildUsage("gemini", ctx, {
      counts,
      final,
      sawAny: this.sawAny,
      model: str(last?.modelVersion),
      requestedModel: gp?.model ?? null,
      bodyRequestId: str(last?.responseId),
      operation: op.op,
      stream: ctx.mode === "sse" || gp?.method === "streamGenerateContent",
      batch: op.batch,
      billable: op.billable,
      error: this.error,
    });
  }
}

const isGeminiHost = (h: string) =>
  h === "generativelanguage.googleapis.com" || h.endsWith("aiplatform.googleapis.com");

function isOpenAiCompat(req: FlowRequest): boolean {
  return pathOnly(req.path).includes("/openai/") && openAiOperation(req.path) !== null;
}

function streamParser(req: FlowRequest): StreamParser {
  return new BodyParser(
    isOpenAiCompat(req) ? openAiCollector(req, { provider: "gemini" }) : new GeminiCollector(req),
  );
}

/** The Gemini adapter. */
export const geminiAdapter: Adapter = {
  id: "gemini",
  matches: (req) =>
    (isGeminiHost(hostOnly(req.host)) || req.routePrefix === "gemini") && req.method === "POST" &&
    (geminiPath(req.path) !== null || isOpenAiCompat(req)),
  parse: (ex) => parseWhole(streamParser, ex),
  streamParser,
};
