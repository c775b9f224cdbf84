/**
 * @module Capture against a real SQLite store and the real pricing engine, with small in-test
 * fakes of the adapter registry and the attributor (the real ones are wired in system.ts and
 * exercised end to end in tests/e2e/capture_*_test.ts).
 */
import assert from "node:assert/strict";
import type { Adapter } from "../adapters/types.ts";
import type { Attribution, Attributor } from "../attribution/types.ts";
import { parseConfig } from "../config.ts";
import { nullLogger } from "../log.ts";
import type { Exchange, FlowRequest } from "../proxy/flow.ts";
import { BatchWriter, Store } from "../store/store.ts";
import { defaultPriceTable } from "../../shared/pricing/mod.ts";
import { err, ok } from "../../shared/result.ts";
import { emptyUsage, type Usage } from "../../shared/schemas/usage.ts";
import { createCapture } from "./capture.ts";
import { promptHash } from "./prompt_hash.ts";

const enc = new TextEncoder();

/** A fake OpenAI adapter: reads `model` and `usage` from a JSON body; "boom" chunks throw. */
function fakeAdapter(): Adapter {
  const parse = (text: string, status: number) => {
    try {
      const j = JSON.parse(text);
      const u: Usage = {
        ...emptyUsage("openai", j.usage ? "ok" : "missing"),
        model: j.model ?? null,
        prompt_tokens: j.usage?.prompt_tokens ?? null,
        completion_tokens: j.usage?.completion_tokens ?? null,
        cache_read_tokens: j.usage ? 0 : null,
        cache_write_tokens: j.usage ? 0 : null,
        provider_request_id: j.id ?? null,
        operation: "chat",
        error: status >= 400 ? "upstream error" : null,
      };
      return ok(u);
    } catch {
      return err("not JSON");
    }
  };
  return {
    id: "openai",
    matches: (req) => req.host === "api.openai.com",
    parse: (ex) => parse(new TextDecoder().decode(ex.responseBody), ex.status ?? 0),
    streamParser: (_req, status) => {
      let text = "";
      return {
        push(chunk) {
          const s = new TextDecoder().decode(chunk);
          if (s.includes("boom")) throw new Error("parser exploded");
          text += s;
        },
        finish: () => parse(text, status),
      };
    },
    wantsRewrite: (_req, o) => o.injectStreamUsage,
    rewriteRequest: () => enc.encode('{"rewritten":true}'),
  };
}

function fakeAttributor(mode: "ok" | "reject" | "throw"): Attributor {
  return {
    resolve(req: FlowRequest): Promise<Attribution> {
      if (mode === "throw") throw new Error("sync failure");
      if (mode === "reject") return Promise.reject(new Error("async failure"));
      return Promise.resolve({
        project_id: req.headers["x-halton-project"] ?? "billing",
        attribution_method: req.headers["x-halton-project"] ? "header" : "rcfile",
        trail: [{ resolver: "header", project: req.headers["x-halton-project"] ?? null }],
        source_workdir: "/home/me/billing",
        client_pid: 4242,
      });
    },
  };
}

function request(over: Partial<FlowRequest> = {}): FlowRequest {
  return {
    id: crypto.randomUUID(),
    mode: "mitm",
    method: "POST",
    host: "api.openai.com",
    path: "/v1/chat/completions",
    routePrefix: null,
    pathLabel: null,
    headers: {
      "content-type": "application/json",
      "user-agent": "OpenAI/JS 7.0",
      "x-halton-project": "billing",
    },
    apiKeySha256: null,
    startedAt: Date.parse("2026-11-20T10:00:00Z"),
    client: { address: "127.0.0.1", port: 50000 },
    ...over,
  };
}

const REQ_BODY = JSON.stringify({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "hi" }],
});

function exchange(req: FlowRequest, responseBody: string, over: Partial<Exchange> = {}): Exchange {
  const rb = enc.encode(REQ_BODY);
  const sb = enc.encode(responseBody);
  return {
    request: req,
    requestBody: rb,
    requestBodyBytes: rb.length,
    requestBodyTruncated: false,
    status: 200,
    responseHeaders: { "content-type": "application/json" },
    responseBody: sb,
    responseBodyBytes: sb.length,
    responseBodyTruncated: false,
    ttfbAt: req.startedAt + 120,
    endedAt: req.startedAt + 450,
    outcome: "complete",
    error: null,
    ...over,
  };
}

/** Runs one exchange through the hooks (request → response chunks → exchange) and returns the stored row. */
async function capture(
  opts: {
    toml?: string;
    attributor?: "ok" | "reject" | "throw";
    req?: FlowRequest;
    response: string;
    chunks?: string[];
  },
) {
  const dir = await Deno.makeTempDir();
  const store = Store.open(`${dir}/db.sqlite`);
  const writer = new BatchWriter(store);
  const config = parseConfig(opts.toml ?? "");
  assert.ok(config.ok);
  const hooks = createCapture({
    registry: { find: (r) => (r.host === "api.openai.com" ? fakeAdapter() : null) },
    prices: defaultPriceTable,
    attributor: fakeAttributor(opts.attributor ?? "ok"),
    writer,
    config: config.value,
    hostname: "test-host",
    logger: nullLogger,
  });
  const req = opts.req ?? request();
  const outgoing = new Headers({
    "x-halton-project": "billing",
    "content-type": "application/json",
  });
  const decision = hooks.onRequest?.(req, outgoing);
  const rewritten = hooks.rewriteRequestBody?.(req, enc.encode(REQ_BODY));
  const tap = hooks.onResponse?.(req, 200, new Headers({ "content-type": "application/json" })) ??
    null;
  for (const c of opts.chunks ?? [opts.response]) tap?.chunk(enc.encode(c));
  hooks.onExchange(exchange(req, opts.response), tap);
  await hooks.drain();
  writer.flush();
  const row = store.getRequest(req.id);
  const bodies = store.getBodies(req.id);
  store.close();
  await Deno.remove(dir, { recursive: true });
  return { row, bodies, outgoing, decision, rewritten };
}

const RESPONSE = JSON.stringify({
  id: "chatcmpl-1",
  model: "gpt-4o-mini-2024-07-18",
  usage: { prompt_tokens: 1000, completion_tokens: 500 },
});

Deno.test("capture turns exchanges into rows", async (t) => {
  await t.step("a priced, attributed row with bodies, timings and prompt hash", async () => {
    const { row, bodies, outgoing, decision, rewritten } = await capture({
      response: RESPONSE,
      chunks: [RESPONSE.slice(0, 10), RESPONSE.slice(10)],
    });
    assert.ok(row);
    assert.equal(outgoing.has("x-halton-project"), false);
    assert.deepEqual(decision, { rewriteBody: true });
    assert.equal(new TextDecoder().decode(rewritten!), '{"rewritten":true}');
    assert.equal(row.provider, "openai");
    assert.equal(row.model, "gpt-4o-mini-2024-07-18");
    assert.equal(row.prompt_tokens, 1000);
    assert.equal(row.completion_tokens, 500);
    assert.equal(row.usage_status, "ok");
    assert.equal(row.priced, true);
    // gpt-4o-mini: $0.15 / $0.60 per Mtok → 1000 × 0.15 + 500 × 0.60 = 450 µ$ = 45 millicents.
    assert.equal(row.cost_usd_millicents, 45);
    assert.equal(row.pricing_version, defaultPriceTable().version);
    assert.equal(row.project_id, "billing");
    assert.equal(row.attribution_method, "header");
    assert.equal(row.source_workdir, "/home/me/billing");
    assert.equal(row.client_pid, 4242);
    assert.equal(row.hostname, "test-host");
    assert.equal(row.prompt_hash, promptHash(enc.encode(REQ_BODY)));
    assert.match(row.prompt_hash!, /^[0-9a-f]{16}$/);
    assert.equal(row.user_agent, "OpenAI/JS 7.0");
    assert.equal(row.provider_request_id, "chatcmpl-1");
    assert.equal(row.latency_ms, 450);
    assert.equal(row.ttfb_ms, 120);
    assert.equal(row.timestamp, "2026-11-20T10:00:00.000Z");
    assert.equal(row.request_bytes, REQ_BODY.length);
    assert.deepEqual(bodies.map((b) => [b.direction, b.truncated, b.bytes]), [
      ["request", false, REQ_BODY.length],
      ["response", false, RESPONSE.length],
    ]);
  });

  await t.step("a throwing parser is dropped and the row is unparsed", async () => {
    const { row } = await capture({ response: RESPONSE, chunks: ["boom", RESPONSE] });
    assert.ok(row);
    assert.equal(row.provider, "openai");
    assert.equal(row.usage_status, "unparsed");
    assert.equal(row.prompt_tokens, null);
    assert.equal(row.cost_usd_millicents, null);
    assert.equal(row.priced, false);
    assert.match(row.error!, /parser exploded/);
  });

  await t.step("an unknown model is unpriced, never $0", async () => {
    const resp = JSON.stringify({
      model: "gpt-nonexistent-9",
      usage: { prompt_tokens: 10, completion_tokens: 5 },
    });
    const { row } = await capture({ response: resp });
    assert.equal(row!.prompt_tokens, 10);
    assert.equal(row!.cost_usd_millicents, null);
    assert.equal(row!.priced, false);
  });

  await t.step("a non-LLM host still makes a row", async () => {
    const req = request({ host: "api.example-llm.dev", path: "/v1/models", method: "GET" });
    const { row } = await capture({ req, response: "{}" });
    assert.ok(row);
    assert.equal(row.provider, null);
    assert.equal(row.usage_status, null);
    assert.equal(row.method, "GET");
    assert.equal(row.project_id, "billing");
  });

  for (const mode of ["reject", "throw"] as const) {
    await t.step(`an attributor that ${mode}s gives the default project`, async () => {
      const { row } = await capture({
        response: RESPONSE,
        attributor: mode,
        toml: '[attribution]\ndefault_project = "misc"',
      });
      assert.equal(row!.project_id, "misc");
      assert.equal(row!.attribution_method, "default");
      assert.equal(row!.prompt_tokens, 1000);
    });
  }

  await t.step("bodies are capped with a truncated flag", async () => {
    const { bodies } = await capture({
      response: RESPONSE,
      toml: "[capture]\nmax_body_bytes = 16",
    });
    assert.deepEqual(bodies.map((b) => [b.direction, b.content.length, b.truncated]), [
      ["request", 16, true],
      ["response", 16, true],
    ]);
    assert.equal(bodies[1].bytes, RESPONSE.length);
  });

  await t.step("store_bodies = false keeps no bodies", async () => {
    const { row, bodies } = await capture({
      response: RESPONSE,
      toml: "[capture]\nstore_bodies = false",
    });
    assert.ok(row);
    assert.deepEqual(bodies, []);
  });
});

Deno.test("prompt hash is canonical", async (t) => {
  const cases: [string, string, string, boolean][] = [
    [
      "key order does not matter",
      '{"model":"a","messages":[{"role":"user","content":"x"}]}',
      '{"messages":[{"content":"x","role":"user"}],"model":"b"}',
      true,
    ],
    ["system changes it", '{"system":"s1","messages":[]}', '{"system":"s2","messages":[]}', false],
    [
      "gemini contents",
      '{"contents":[{"parts":[{"text":"a"}]}]}',
      '{"contents":[{"parts":[{"text":"b"}]}]}',
      false,
    ],
  ];
  for (const [name, a, b, same] of cases) {
    await t.step(name, () => {
      const ha = promptHash(enc.encode(a)), hb = promptHash(enc.encode(b));
      assert.match(ha!, /^[0-9a-f]{16}$/);
      assert.equal(ha === hb, same);
    });
  }
  await t.step("no prompt, non-JSON or truncated bodies have no hash", () => {
    assert.equal(promptHash(enc.encode('{"model":"x"}')), null);
    assert.equal(promptHash(enc.encode("not json")), null);
    assert.equal(promptHash(enc.encode('{"messages":[]}'), true), null);
  });
});
