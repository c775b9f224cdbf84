/**
 * @module Provider wire formats for the fake upstreams: picks a recorded body by host, path, model
 * and stream flag, and serves it as JSON or SSE (Gemini also as a JSON array), honouring
 * `stream_options.include_usage` for OpenAI-compatible streams and the selected scenario.
 */
import type { FakeScenario } from "./mod.ts";

const DATA = new URL("./testdata/", import.meta.url);
const cache = new Map<string, string>();

/** Reads a recorded body from `testdata/` (cached). */
export function fixture(name: string): string {
  let t = cache.get(name);
  if (t === undefined) {
    t = Deno.readTextFileSync(new URL(name, DATA));
    cache.set(name, t);
  }
  return t;
}

/** Splits an SSE text into events, each keeping its trailing blank line. */
export function sseEvents(text: string): string[] {
  return text.match(/[\s\S]*?(?:\r\n\r\n|\n\n|$)/g)!.filter((e) => e.trim().length > 0);
}

interface FakeInput {
  host: string;
  method: string;
  url: URL;
  body: string;
  headers: Headers;
  scenario: FakeScenario;
  onAbort(): void;
}

type Planned =
  | { kind: "json"; text: string; status?: number }
  | { kind: "sse"; events: string[] }
  | { kind: "none" };

function parseJson(body: string): Record<string, unknown> {
  try {
    const v = JSON.parse(body);
    return v && typeof v === "object" ? v : {};
  } catch {
    return {};
  }
}

/** Replaces the recorded model with the requested one unless the recording is a snapshot of it. */
function echoModel(text: string, requested: unknown): string {
  if (typeof requested !== "string" || requested.length === 0) return text;
  const m = /"model"\s*:\s*"([^"]+)"/.exec(text);
  if (!m || m[1].startsWith(requested)) return text;
  return text.split(`"${m[1]}"`).join(JSON.stringify(requested));
}

/** OpenAI-compatible streams carry the final usage chunk only with stream_options.include_usage. */
function filterUsageChunk(events: string[], req: Record<string, unknown>): string[] {
  const so = req.stream_options as { include_usage?: boolean } | undefined;
  if (so?.include_usage) return events;
  return events.filter((e) => !/"choices"\s*:\s*\[\s*\]/.test(e) || !/"usage"\s*:\s*\{/.test(e));
}

function chatFixture(host: string, model: string): { json: string; sse: string } {
  if (host === "api.x.ai") {
    return {
      json: "xai_chat_grok-4-fast_nonstream.response.json",
      sse: "xai_chat_grok-4-fast_stream.response.sse",
    };
  }
  if (host === "api.groq.com") {
    return {
      json: "groq_chat_kimi-k2_nonstream.response.json",
      sse: "groq_chat_kimi-k2_stream.response.sse",
    };
  }
  if (host === "api.deepseek.com") {
    return {
      json: "realshape_deepseek_chat_nonstream.response.json",
      sse: "syn_deepseek_chat_stream.response.sse",
    };
  }
  if (model.startsWith("gpt-5")) {
    return {
      json: "openai_chat_gpt-5_nonstream.response.json",
      sse: "openai_chat_gpt-5_stream.response.sse",
    };
  }
  return {
    json: "openai_chat_gpt-4o-mini_nonstream.response.json",
    sse: "openai_chat_gpt-4o-mini_stream.response.sse",
  };
}

function plan(inp: FakeInput): Planned {
  const { host, url } = inp;
  const path = url.pathname;
  const req = parseJson(inp.body);
  const model = typeof req.model === "string" ? req.model : "";
  const stream = req.stream === true;
  const forced = inp.headers.get("x-fake-fixture");
  if (forced) {
    const text = fixture(forced.replace(/[^A-Za-z0-9._-]/g, ""));
    return forced.endsWith(".sse")
      ? { kind: "sse", events: sseEvents(text) }
      : { kind: "json", text };
  }
  if (inp.scenario === "error500") {
    return {
      kind: "json",
      status: 500,
      text: JSON.stringify({ error: { message: "Fake upstream error", type: "server_error" } }),
    };
  }
  const isChat = /\/chat\/completions$/.test(path) &&
    (host !== "api.groq.com" || path.startsWith("/openai/"));
  if (isChat) {
    const f = chatFixture(host, model);
    if (stream) {
      const ev = sseEvents(fixture(f.sse)).map((e) => echoModel(e, model));
      return { kind: "sse", events: filterUsageChunk(ev, req) };
    }
    return { kind: "json", text: echoModel(fixture(f.json), model) };
  }
  if (host === "api.openai.com" || host === "api.x.ai") {
    if (path === "/v1/responses") {
      if (stream) {
        return {
          kind: "sse",
          events: sseEvents(fixture("openai_responses_gpt-5_stream.response.sse")).map((e) =>
            echoModel(e, model)
          ),
        };
      }
      return {
        kind: "json",
        text: echoModel(fixture("openai_responses_gpt-5_nonstream.response.json"), model),
      };
    }
    if (path === "/v1/embeddings") {
      const input = req.input;
      const items = Array.isArray(input) ? input : [input ?? ""];
      const tokens = items.reduce(
        (n: number, s) => n + Math.max(1, Math.ceil(String(s).length / 4)),
        0,
      );
      return {
        kind: "json",
        text: JSON.stringify({
          object: "list",
          data: items.map((_, index) => ({
            object: "embedding",
            index,
            embedding: [0.0023064255, -0.009327292, -0.0028842222],
          })),
          model: model === "text-embedding-ada-002"
            ? "text-embedding-ada-002-v2"
            : model || "text-embedding-3-small",
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        }),
      };
    }
    if (path === "/v1/models" && inp.method === "GET") {
      return {
        kind: "json",
        text: JSON.stringify({ object: "list", data: [{ id: "gpt-4o-mini", object: "model" }] }),
      };
    }
  }
  if (host === "api.anthropic.com") {
    if (path === "/v1/messages/count_tokens") {
      return {
        kind: "json",
        text: JSON.stringify({ input_tokens: Math.max(1, Math.ceil(inp.body.length / 4)) }),
      };
    }
    if (path === "/v1/messages") {
      const web = JSON.stringify(req.tools ?? []).includes("web_search");
      const base = web ? "anthropic_messages_websearch" : "anthropic_messages_claude-sonnet-4";
      if (stream) {
        return {
          kind: "sse",
          events: sseEvents(fixture(`${base}_stream.response.sse`)).map((e) => echoModel(e, model)),
        };
      }
      return { kind: "json", text: echoModel(fixture(`${base}_nonstream.response.json`), model) };
    }
  }
  if (host === "generativelanguage.googleapis.com") {
    const m = /^\/v1(?:beta|alpha)?\/models\/([^:]+):([A-Za-z]+)$/.exec(path);
    if (m) {
      const [, gmodel, op] = m;
      if (op === "generateContent") {
        const name = gmodel.includes("flash")
          ? "gemini_generateContent_gemini-2.5-flash_implicitcache_nonstream.response.json"
          : "gemini_generateContent_gemini-2.5-pro_nonstream.response.json";
        return { kind: "json", text: fixture(name) };
      }
      if (op === "streamGenerateContent") {
        const events = sseEvents(
          fixture("gemini_streamGenerateContent_gemini-2.5-pro_stream.response.sse"),
        );
        if (url.searchParams.get("alt") === "sse") return { kind: "sse", events };
        const items = events.map((e) => e.trim().replace(/^data:\s*/, ""));
        return {
          kind: "sse",
          events: items.map((it, i) => (i === 0 ? "[" : ",\r\n") + it).concat(["]"]),
        };
      }
      if (op === "countTokens") return { kind: "json", text: JSON.stringify({ totalTokens: 11 }) };
      if (op === "embedContent") {
        return {
          kind: "json",
          text: JSON.stringify({ embedding: { values: [0.01, -0.02, 0.03] } }),
        };
      }
    }
  }
  return { kind: "none" };
}

const enc = new TextEncoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Builds the fake response for one request. */
export function fakeResponse(inp: FakeInput): Response {
  const id = `req_fake${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  const headers = new Headers({ "x-request-id": id, "request-id": id });
  const p = plan(inp);
  if (p.kind === "none") {
    headers.set("content-type", "application/json");
    return new Response(
      JSON.stringify({
        error: {
          message: `Fake upstream has no route for ${inp.method} ${inp.url.pathname}`,
          type: "not_found",
        },
      }),
      { status: 404, headers },
    );
  }
  const gzip = inp.scenario === "gzip" && /\bgzip\b/.test(inp.headers.get("accept-encoding") ?? "");
  const isSse = p.kind === "sse";
  const jsonArray = isSse && p.events[0]?.startsWith("[");
  headers.set(
    "content-type",
    jsonArray
      ? "application/json"
      : isSse
      ? "text/event-stream; charset=utf-8"
      : "application/json",
  );
  if (isSse) headers.set("cache-control", "no-cache");
  const chunks = isSse ? p.events : [p.text];
  const scenario = inp.scenario;
  let done = false;
  let cancelled = false;
  const aborted = () => {
    cancelled = true;
    if (!done) inp.onAbort();
  };
  let body: ReadableStream<Uint8Array> = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        if (scenario === "hang") {
          controller.enqueue(enc.encode(chunks[0]));
          for (let i = 0; i < 200 && !cancelled; i++) {
            await sleep(50);
            controller.enqueue(enc.encode(": keep-alive\n\n"));
          }
          done = true;
          controller.close();
          return;
        }
        const cutAt = scenario === "cut" ? Math.max(1, Math.floor(chunks.length / 2)) : Infinity;
        for (let i = 0; i < chunks.length; i++) {
          if (scenario === "cut") await sleep(5); // let what was sent reach the client first
          if (i >= cutAt) {
            done = true;
            controller.error(new Error("Fake upstream cut the stream"));
            return;
          }
          if (scenario === "slow" && i > 0) await sleep(25);
          if (cancelled) break;
          if (scenario === "cut" && !isSse) {
            const b = enc.encode(chunks[i]);
            controller.enqueue(b.subarray(0, b.length >> 1));
            done = true;
            controller.error(new Error("Fake upstream cut the body"));
            return;
          }
          controller.enqueue(enc.encode(chunks[i]));
        }
        done = true;
        controller.close();
      } catch { /* client went away */ }
    },
    cancel() {
      aborted();
    },
  });
  if (gzip) {
    headers.set("content-encoding", "gzip");
    body = body.pipeThrough(
      new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    );
  }
  const status = p.kind === "json" ? p.status ?? 200 : 200;
  return new Response(body, { status, headers });
}
