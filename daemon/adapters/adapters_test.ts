/** @module Synthesised edge cases for every adapter rule (one step per case). */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { costOf, defaultPriceTable } from "../../shared/pricing/mod.ts";
import type { Usage } from "../../shared/schemas/usage.ts";
import { createRegistry } from "./mod.ts";
import { exchange, flowRequest } from "./test_util.ts";
import type { Exchange } from "../proxy/flow.ts";

const registry = createRegistry({ extraHosts: ["llm.internal.example:8443", "api.together.xyz"] });
const AT = new Date("2026-08-01T00:00:00Z");
const SSE = { "content-type": "text/event-stream" };
const JSONH = { "content-type": "application/json" };

function parse(ex: Exchange): Usage {
  const a = registry.find(ex.request);
  ok(a, `no adapter for ${ex.request.host}${ex.request.path}`);
  const r = a.parse(ex);
  ok(r.ok, r.ok ? "" : r.error);
  return r.value;
}

function counts(u: Usage): Record<string, unknown> {
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    cache_read_tokens: u.cache_read_tokens,
    cache_write_tokens: u.cache_write_tokens,
    cache_write_5m_tokens: u.cache_write_5m_tokens,
    cache_write_1h_tokens: u.cache_write_1h_tokens,
    reasoning_tokens: u.reasoning_tokens,
  };
}

const sse = (events: [string | null, unknown][], sep = "\n") =>
  events.map(([e, d]) =>
    `${e ? `event: ${e}${sep}` : ""}data: ${
      typeof d === "string" ? d : JSON.stringify(d)
    }${sep}${sep}`
  )
    .join("");

const ANTH = "https://api.anthropic.com/v1/messages";
const anthStart = (usage: unknown) =>
  ["message_start", {
    type: "message_start",
    message: { id: "msg_1", model: "claude-sonnet-4-5-20250929", usage },
  }] as [string, unknown];

const OAI = "https://api.openai.com/v1/chat/completions";
const chunk = (extra: Record<string, unknown>) =>
  [null, {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    model: "gpt-4o-mini-2024-07-18",
    choices: [{ index: 0, delta: { content: "hi" } }],
    ...extra,
  }] as [null, unknown];
const oaiUsage = {
  prompt_tokens: 20,
  completion_tokens: 2,
  total_tokens: 22,
  prompt_tokens_details: { cached_tokens: 0 },
};

Deno.test("adapters: synthesised edge cases", async (t) => {
  await t.step(
    "anthropic 5m + 1h cache writes in a stream: split from message_start, totals from message_delta",
    () => {
      const body = sse([
        anthStart({
          input_tokens: 42,
          cache_creation_input_tokens: 2200,
          cache_read_input_tokens: 18000,
          cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 2000 },
          output_tokens: 1,
        }),
        ["content_block_delta", { type: "content_block_delta", delta: { text: "x" } }],
        ["message_delta", {
          type: "message_delta",
          usage: {
            input_tokens: 42,
            cache_creation_input_tokens: 2200,
            cache_read_input_tokens: 18000,
            output_tokens: 310,
          },
        }],
        ["message_stop", { type: "message_stop" }],
      ]);
      const u = parse(exchange({ url: ANTH, responseBody: body, headers: SSE }));
      equal(u.usage_status, "ok");
      deepStrictEqual(counts(u), {
        prompt_tokens: 20242,
        completion_tokens: 310,
        cache_read_tokens: 18000,
        cache_write_tokens: 2200,
        cache_write_5m_tokens: 200,
        cache_write_1h_tokens: 2000,
        reasoning_tokens: null,
      });
      equal(costOf(u, defaultPriceTable(), AT).cost_usd_millicents, 2293); // $0.022926
    },
  );

  await t.step("anthropic message_delta overwrites (never adds) across several deltas", () => {
    const body = sse([
      anthStart({ input_tokens: 10, output_tokens: 1 }),
      ["message_delta", { type: "message_delta", usage: { output_tokens: 20 } }],
      ["message_delta", { type: "message_delta", usage: { output_tokens: 30 } }],
      ["message_stop", { type: "message_stop" }],
    ]);
    const u = parse(exchange({ url: ANTH, responseBody: body, headers: SSE }));
    equal(u.prompt_tokens, 10);
    equal(u.completion_tokens, 30);
  });

  await t.step("anthropic stream cut after message_start -> incomplete, usage as seen", () => {
    const body = sse([anthStart({ input_tokens: 500, output_tokens: 1 })]);
    const u = parse(
      exchange({ url: ANTH, responseBody: body, headers: SSE, outcome: "upstream_cut" }),
    );
    equal(u.usage_status, "incomplete");
    equal(u.prompt_tokens, 500);
    ok(u.error);
  });

  await t.step(
    "openai stream truncated before the usage chunk (client abort) -> incomplete, null counts",
    () => {
      const body = sse([chunk({ usage: null }), chunk({ usage: null })]).slice(0, -10);
      const u = parse(
        exchange({ url: OAI, responseBody: body, headers: SSE, outcome: "client_aborted" }),
      );
      equal(u.usage_status, "incomplete");
      equal(u.prompt_tokens, null);
      equal(u.model, "gpt-4o-mini-2024-07-18");
    },
  );

  await t.step(
    "openai stream without include_usage -> missing with null counts, cost null (never 0)",
    () => {
      const body = sse([
        chunk({}),
        chunk({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }),
        [null, "[DONE]"],
      ]);
      const u = parse(
        exchange({
          url: OAI,
          responseBody: body,
          headers: SSE,
          requestBody: '{"model":"gpt-4o-mini","stream":true}',
        }),
      );
      equal(u.usage_status, "missing");
      equal(u.prompt_tokens, null);
      equal(u.completion_tokens, null);
      equal(u.requested_model, "gpt-4o-mini");
      const c = costOf(u, defaultPriceTable(), AT);
      equal(c.cost_usd_millicents, null);
      equal(c.priced, false);
    },
  );

  await t.step(
    "streaming and non-streaming of the same conversation give the same usage (OpenAI, Anthropic)",
    () => {
      const json = JSON.stringify({
        id: "c1",
        model: "gpt-4o-mini-2024-07-18",
        choices: [],
        usage: oaiUsage,
      });
      const a = parse(exchange({ url: OAI, responseBody: json, headers: JSONH }));
      const s = parse(
        exchange({
          url: OAI,
          responseBody: sse([chunk({}), chunk({ choices: [], usage: oaiUsage }), [null, "[DONE]"]]),
          headers: SSE,
        }),
      );
      deepStrictEqual(counts(s), counts(a));
      equal(a.stream, false);
      equal(s.stream, true);
      const au = {
        input_tokens: 16,
        cache_creation_input_tokens: 5,
        cache_read_input_tokens: 7,
        output_tokens: 43,
      };
      const aj = parse(
        exchange({
          url: ANTH,
          responseBody: JSON.stringify({ type: "message", model: "m", usage: au }),
          headers: JSONH,
        }),
      );
      const as = parse(exchange({
        url: ANTH,
        headers: SSE,
        responseBody: sse([anthStart({ ...au, output_tokens: 1 }), ["message_delta", {
          type: "message_delta",
          usage: au,
        }], [
          "message_stop",
          { type: "message_stop" },
        ]]),
      }));
      deepStrictEqual(counts(as), counts(aj));
    },
  );

  await t.step(
    "gzip: decoded bytes parse, a content-encoding header does not confuse the adapter",
    async () => {
      const json = JSON.stringify({ id: "c1", model: "gpt-4o-mini-2024-07-18", usage: oaiUsage });
      const gz = new Uint8Array(
        await new Response(new Blob([json]).stream().pipeThrough(new CompressionStream("gzip")))
          .arrayBuffer(),
      );
      const decoded = new Uint8Array(
        await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip")))
          .arrayBuffer(),
      );
      const u = parse(
        exchange({
          url: OAI,
          responseBody: decoded,
          headers: { ...JSONH, "content-encoding": "gzip" },
        }),
      );
      equal(u.usage_status, "ok");
      equal(u.prompt_tokens, 20);
    },
  );

  await t.step(
    "xAI: reasoning outside completion_tokens -> completion = completion + reasoning",
    () => {
      const usage = {
        prompt_tokens: 165,
        completion_tokens: 2,
        prompt_tokens_details: { cached_tokens: 156 },
        completion_tokens_details: { reasoning_tokens: 125 },
      };
      const u = parse(
        exchange({
          url: "https://api.x.ai/v1/chat/completions",
          responseBody: JSON.stringify({ model: "grok-4-fast-reasoning", usage }),
          headers: JSONH,
        }),
      );
      equal(u.completion_tokens, 127);
      equal(u.reasoning_tokens, 125);
      equal(costOf(u, defaultPriceTable(), AT).cost_usd_millicents, 7); // 7.31 millicents = 731000 ticks
    },
  );

  await t.step("Groq: usage repeated in three chunks is never summed", () => {
    const g = { prompt_tokens: 20, completion_tokens: 4, total_tokens: 24 };
    const body = sse([
      [null, {
        id: "x",
        model: "llama-3.3-70b-versatile",
        choices: [{ delta: { content: "a" } }],
        x_groq: { id: "req_1" },
      }],
      [null, {
        id: "x",
        model: "llama-3.3-70b-versatile",
        choices: [{ delta: {}, finish_reason: "stop" }],
        x_groq: { id: "req_1", usage: g },
        usage: g,
      }],
      [null, { id: "x", model: "llama-3.3-70b-versatile", choices: [], usage: g }],
      [null, "[DONE]"],
    ]);
    const u = parse(
      exchange({
        url: "https://api.groq.com/openai/v1/chat/completions",
        responseBody: body,
        headers: SSE,
      }),
    );
    equal(u.provider, "groq");
    equal(u.prompt_tokens, 20);
    equal(u.completion_tokens, 4);
    equal(u.provider_request_id, "req_1");
  });

  await t.step("Groq without include_usage: x_groq.usage on the finish chunk is used", () => {
    const g = { prompt_tokens: 9, completion_tokens: 3 };
    const body = sse([
      [null, { id: "x", model: "m", choices: [{ delta: { content: "a" } }] }],
      [null, {
        id: "x",
        model: "m",
        choices: [{ delta: {}, finish_reason: "stop" }],
        x_groq: { id: "req_2", usage: g },
      }],
      [null, "[DONE]"],
    ]);
    const u = parse(
      exchange({
        url: "https://api.groq.com/openai/v1/chat/completions",
        responseBody: body,
        headers: SSE,
      }),
    );
    equal(u.usage_status, "ok");
    equal(u.prompt_tokens, 9);
  });

  await t.step("DeepSeek: leading blank lines before JSON and cache hit/miss", () => {
    const body = "\n\n\n" +
      JSON.stringify({
        id: "d",
        model: "deepseek-chat",
        usage: {
          prompt_tokens: 1234,
          completion_tokens: 56,
          prompt_cache_hit_tokens: 512,
          prompt_cache_miss_tokens: 722,
        },
      });
    const u = parse(
      exchange({
        url: "https://api.deepseek.com/v1/chat/completions",
        responseBody: body,
        headers: JSONH,
      }),
    );
    equal(u.cache_read_tokens, 512);
    equal(u.prompt_tokens, 1234);
    equal(costOf(u, defaultPriceTable(), AT).cost_usd_millicents, 24); // $0.000240016
  });

  await t.step(
    "Gemini: JSON-array framing with CRLF, cumulative usage (last wins), model from URL path",
    () => {
      const c = (cand: number, fin?: string) => ({
        candidates: [{
          content: { parts: [{ text: "x" }] },
          ...(fin ? { finishReason: fin } : {}),
        }],
        usageMetadata: {
          promptTokenCount: 11,
          candidatesTokenCount: cand,
          thoughtsTokenCount: 603,
        },
        responseId: "r1",
      });
      const body = `[${JSON.stringify(c(12))},\r\n${JSON.stringify(c(37))},\r\n${
        JSON.stringify(c(49, "STOP"))
      }\r\n]`;
      const u = parse(
        exchange({
          url:
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent",
          responseBody: body,
          headers: JSONH,
        }),
      );
      equal(u.usage_status, "ok");
      equal(u.model, "gemini-2.5-pro");
      equal(u.requested_model, "gemini-2.5-pro");
      equal(u.completion_tokens, 652);
      equal(u.reasoning_tokens, 603);
      equal(u.provider_request_id, "r1");
      equal(u.stream, true);
    },
  );

  await t.step("Gemini: alt=sse stream with CRLF cut before finishReason -> incomplete", () => {
    const body = `data: ${
      JSON.stringify({ usageMetadata: { promptTokenCount: 5 }, modelVersion: "gemini-2.5-flash" })
    }\r\n\r\n`;
    const u = parse(
      exchange({
        url:
          "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        responseBody: body,
        headers: SSE,
        outcome: "upstream_cut",
      }),
    );
    equal(u.usage_status, "incomplete");
    equal(u.prompt_tokens, 5);
  });

  await t.step("Gemini countTokens is recorded and never billed", () => {
    const u = parse(
      exchange({
        url: "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:countTokens",
        responseBody: '{"totalTokens": 31}',
        headers: JSONH,
      }),
    );
    equal(u.billable, false);
    equal(u.prompt_tokens, 31);
    deepStrictEqual(costOf(u, defaultPriceTable(), AT).cost_usd_millicents, 0);
  });

  await t.step(
    "Anthropic count_tokens is recorded with billable=false and costs 0 (priced)",
    () => {
      const u = parse(
        exchange({
          url: "https://api.anthropic.com/v1/messages/count_tokens",
          responseBody: '{"input_tokens":2095}',
          headers: JSONH,
          requestBody: '{"model":"claude-sonnet-4-5"}',
        }),
      );
      equal(u.operation, "count_tokens");
      equal(u.billable, false);
      equal(u.prompt_tokens, 2095);
      const c = costOf(u, defaultPriceTable(), AT);
      equal(c.cost_usd_millicents, 0);
      equal(c.priced, true);
    },
  );

  await t.step("Anthropic batch results are marked batch and priced at 50%", () => {
    const line = (n: number) =>
      JSON.stringify({
        custom_id: `r${n}`,
        result: {
          type: "succeeded",
          message: {
            model: "claude-sonnet-4-5-20250929",
            usage: { input_tokens: 1000, output_tokens: 100 },
          },
        },
      });
    const u = parse(
      exchange({
        url: "https://api.anthropic.com/v1/messages/batches/msgbatch_1/results",
        method: "GET",
        responseBody: `${line(1)}\n${line(2)}\n`,
        headers: { "content-type": "application/binary" },
      }),
    );
    equal(u.batch, true);
    equal(u.prompt_tokens, 2000);
    equal(u.completion_tokens, 200);
    equal(costOf(u, defaultPriceTable(), AT).cost_usd_millicents, 450); // (2000·3 + 200·15)/2 µ$ = $0.0045
    const create = parse(
      exchange({
        url: "https://api.anthropic.com/v1/messages/batches",
        responseBody: '{"id":"msgbatch_1","type":"message_batch"}',
        headers: JSONH,
      }),
    );
    equal(create.batch, true);
    equal(create.billable, false);
    equal(create.usage_status, "ok");
  });

  await t.step("HTTP 429 without usage: recorded with error text, not billed", () => {
    const u = parse(exchange({
      url: ANTH,
      status: 429,
      responseBody:
        '{"type":"error","error":{"type":"rate_limit_error","message":"Too many"},"request_id":"req_011C"}',
      headers: JSONH,
    }));
    equal(u.error, "rate_limit_error: Too many");
    equal(u.provider_request_id, "req_011C");
    equal(u.billable, false);
    equal(costOf(u, defaultPriceTable(), AT).cost_usd_millicents, 0);
  });

  await t.step("HTTP 500 with a non-JSON body: error carries the status", () => {
    const u = parse(
      exchange({
        url: OAI,
        status: 502,
        responseBody: "<html>bad gateway</html>",
        headers: { "content-type": "text/html" },
      }),
    );
    ok(u.error?.startsWith("HTTP 502"));
  });

  await t.step("200 with an unparseable body -> unparsed", () => {
    const u = parse(
      exchange({
        url: OAI,
        responseBody: "<html>hello</html>",
        headers: { "content-type": "text/html" },
      }),
    );
    equal(u.usage_status, "unparsed");
    equal(costOf(u, defaultPriceTable(), AT).priced, false);
  });

  await t.step(
    "Responses: response.incomplete is final and billed; response.failed carries the error",
    () => {
      const ev = (type: string, extra: Record<string, unknown>) =>
        [type, { type, response: { id: "resp_1", model: "gpt-5-2025-08-07", ...extra } }] as [
          string,
          unknown,
        ];
      const usage = {
        input_tokens: 19,
        output_tokens: 50,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens_details: { reasoning_tokens: 40 },
      };
      const url = "https://api.openai.com/v1/responses";
      const inc = parse(
        exchange({
          url,
          headers: SSE,
          responseBody: sse([
            ev("response.created", { usage: null }),
            ev("response.incomplete", { status: "incomplete", usage }),
          ]),
        }),
      );
      equal(inc.usage_status, "ok");
      equal(inc.completion_tokens, 50);
      equal(inc.reasoning_tokens, 40);
      const failed = parse(
        exchange({
          url,
          headers: SSE,
          responseBody: sse([
            ev("response.failed", {
              status: "failed",
              usage: null,
              error: { code: "server_error", message: "boom" },
            }),
          ]),
        }),
      );
      equal(failed.usage_status, "missing");
      equal(failed.error, "server_error: boom");
    },
  );

  await t.step("OpenAI embeddings", () => {
    const u = parse(
      exchange({
        url: "https://api.openai.com/v1/embeddings",
        responseBody:
          '{"object":"list","data":[],"model":"text-embedding-ada-002-v2","usage":{"prompt_tokens":8,"total_tokens":8}}',
        headers: JSONH,
      }),
    );
    equal(u.operation, "embeddings");
    equal(u.prompt_tokens, 8);
    equal(u.completion_tokens, 0);
    equal(costOf(u, defaultPriceTable(), AT).priced, true);
  });

  await t.step("provider_request_id: header first, then body", () => {
    const json = JSON.stringify({ id: "chatcmpl-9", model: "gpt-4o", usage: oaiUsage });
    equal(
      parse(
        exchange({ url: OAI, responseBody: json, headers: { ...JSONH, "x-request-id": "req_h" } }),
      ).provider_request_id,
      "req_h",
    );
    equal(
      parse(exchange({ url: OAI, responseBody: json, headers: JSONH })).provider_request_id,
      "chatcmpl-9",
    );
    equal(
      parse(
        exchange({
          url: ANTH,
          responseBody:
            '{"type":"message","id":"msg_1","usage":{"input_tokens":1,"output_tokens":1}}',
          headers: { "request-id": "req_a" },
        }),
      ).provider_request_id,
      "req_a",
    );
  });

  await t.step(
    "registry: extra hosts are OpenAI-compatible, non-LLM paths and unknown hosts match nothing",
    () => {
      equal(
        registry.find(flowRequest("https://api.together.xyz/v1/chat/completions"))?.id,
        "openai_compatible",
      );
      equal(
        registry.find(flowRequest("https://llm.internal.example:8443/v1/chat/completions"))?.id,
        "openai_compatible",
      );
      equal(
        registry.find(flowRequest("https://api.openai.com/v1/models", { method: "GET" })),
        null,
      );
      equal(registry.find(flowRequest("https://example.com/v1/chat/completions")), null);
      equal(
        registry.find(flowRequest("https://api.mistral.ai/v1/chat/completions"))?.id,
        "mistral",
      );
      equal(
        createRegistry({ extraHosts: [] }).find(
          flowRequest("https://api.together.xyz/v1/chat/completions"),
        ),
        null,
      );
    },
  );

  await t.step("registry: base-URL route prefix selects the provider", () => {
    const req = flowRequest(
      "http://127.0.0.1:8090/v1beta/models/gemini-2.5-flash:generateContent",
      { routePrefix: "gemini", mode: "base_url" },
    );
    equal(registry.find(req)?.id, "gemini");
    equal(
      registry.find(
        flowRequest("http://127.0.0.1:8090/v1/messages", {
          routePrefix: "anthropic",
          mode: "base_url",
        }),
      )?.id,
      "anthropic",
    );
  });
});

Deno.test("stream usage injection", async (t) => {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const req = flowRequest(OAI);
  const a = registry.find(req)!;
  const rewrite = (body: string) => {
    const out = a.rewriteRequest!(req, enc.encode(body));
    return out === null ? null : JSON.parse(dec.decode(out));
  };
  await t.step("adds include_usage to a streaming chat request", () => {
    deepStrictEqual(rewrite('{"model":"gpt-4o","stream":true}'), {
      model: "gpt-4o",
      stream: true,
      stream_options: { include_usage: true },
    });
  });
  await t.step("keeps other stream_options", () => {
    deepStrictEqual(rewrite('{"stream":true,"stream_options":{"include_obfuscation":false}}'), {
      stream: true,
      stream_options: { include_obfuscation: false, include_usage: true },
    });
  });
  await t.step("never rewrites non-stream, non-JSON or already-set bodies", () => {
    equal(rewrite('{"model":"gpt-4o"}'), null);
    equal(rewrite("not json"), null);
    equal(rewrite('{"stream":true,"stream_options":{"include_usage":true}}'), null);
  });
  await t.step("wantsRewrite follows [capture] inject_stream_usage and the provider", () => {
    equal(a.wantsRewrite!(req, { injectStreamUsage: true }), true);
    equal(a.wantsRewrite!(req, { injectStreamUsage: false }), false);
    equal(
      a.wantsRewrite!(flowRequest("https://api.openai.com/v1/embeddings"), {
        injectStreamUsage: true,
      }),
      false,
    );
    for (
      const host of ["api.x.ai", "api.groq.com/openai", "api.deepseek.com", "api.together.xyz"]
    ) {
      const r = flowRequest(`https://${host}/v1/chat/completions`);
      equal(registry.find(r)!.wantsRewrite!(r, { injectStreamUsage: true }), true, host);
    }
    equal(
      registry.find(flowRequest("https://api.anthropic.com/v1/messages"))!.wantsRewrite,
      undefined,
    );
  });
});
