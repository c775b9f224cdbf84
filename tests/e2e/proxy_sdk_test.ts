/**
 * @module End to end: the official SDKs (openai, @anthropic-ai/sdk, @google/genai) in a child
 * `deno run`, through HTTPS_PROXY + DENO_CERT (TLS interception) and through base-URL mode, against
 * the fake providers. Checks responses, captured exchanges, and that secrets reached the upstream
 * but never the capture or the logs.
 */
import assert from "node:assert/strict";
import { startProxyHarness } from "../fakes/proxy_harness.ts";
import { TEST_KEYS } from "../fakes/sdk_client.ts";

const CLIENT = new URL("../fakes/sdk_client.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

interface CaseResult {
  case: string;
  ok: boolean;
  text?: string;
  error?: string;
}

async function runClient(args: string[], env: Record<string, string>): Promise<CaseResult[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, CLIENT, ...args],
    env: { NO_COLOR: "1", ...env },
    clearEnv: false,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return text.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

const EXPECTED: Record<string, { host: string; path: RegExp; text: RegExp }> = {
  openai_chat: { host: "api.openai.com", path: /^\/v1\/chat\/completions$/, text: /Olá!\|22$/ },
  openai_chat_stream: {
    host: "api.openai.com",
    path: /^\/v1\/chat\/completions$/,
    text: /^Olá!\|22$/,
  },
  openai_responses: { host: "api.openai.com", path: /^\/v1\/responses$/, text: /^Olá!\|\d+$/ },
  openai_embeddings: { host: "api.openai.com", path: /^\/v1\/embeddings$/, text: /^1\|\d+$/ },
  anthropic_messages: {
    host: "api.anthropic.com",
    path: /^\/v1\/messages$/,
    text: /^Olá!.*\|33$/s,
  },
  anthropic_messages_stream: { host: "api.anthropic.com", path: /^\/v1\/messages$/, text: /\|43$/ },
  anthropic_count_tokens: {
    host: "api.anthropic.com",
    path: /^\/v1\/messages\/count_tokens$/,
    text: /^true$/,
  },
  gemini_generate: {
    host: "generativelanguage.googleapis.com",
    path: /models\/gemini-2\.5-pro:generateContent$/,
    text: /^Of course!/,
  },
  gemini_generate_stream: {
    host: "generativelanguage.googleapis.com",
    path: /models\/gemini-2\.5-pro:streamGenerateContent\?alt=sse$/,
    text: /^Of course!.*\|663$/s,
  },
};

for (const mode of ["proxy", "base", "base_label"] as const) {
  Deno.test(`official SDKs through the proxy (${mode})`, async (t) => {
    const h = await startProxyHarness();
    try {
      const env: Record<string, string> = mode === "proxy"
        ? { HTTPS_PROXY: h.proxyUrl, DENO_CERT: h.caPemPath }
        : {};
      const args = mode === "proxy"
        ? ["proxy"]
        : mode === "base"
        ? ["base", h.proxyUrl]
        : ["base", h.proxyUrl, "billing-svc"];
      const results = await runClient(args, env);
      assert.deepEqual(results.map((r) => r.case).sort(), Object.keys(EXPECTED).sort());
      const exchanges = await h.hooks.waitFor(results.length);
      for (const [i, r] of results.entries()) {
        await t.step(r.case, () => {
          const want = EXPECTED[r.case];
          assert.ok(r.ok, r.error ?? "");
          assert.match(r.text!, want.text);
          // The client runs its cases one after another, so exchanges arrive in the same order.
          const ex = exchanges[i];
          assert.equal(ex.request.host, want.host);
          assert.match(ex.request.path, want.path);
          assert.equal(ex.status, 200);
          assert.equal(ex.outcome, "complete");
          assert.equal(ex.request.mode, mode === "proxy" ? "mitm" : "base_url");
          assert.equal(ex.request.pathLabel, mode === "base_label" ? "billing-svc" : null);
          assert.ok(ex.responseBodyBytes > 0 && ex.ttfbAt !== null && ex.endedAt >= ex.ttfbAt);
          assert.ok(ex.request.apiKeySha256 && /^[0-9a-f]{64}$/.test(ex.request.apiKeySha256));
        });
      }
      await t.step("every exchange captured once, taps saw every byte", () => {
        assert.equal(exchanges.length, results.length);
        assert.equal(
          h.hooks.taps.reduce((n, t) => n + t.bytes, 0),
          exchanges.reduce((n, e) => n + e.responseBodyBytes, 0),
        );
      });
      await t.step("keys reached the upstream, never the capture or the logs", () => {
        const upstream = JSON.stringify(h.fakes.requests);
        const captured = JSON.stringify(exchanges.map((e) => ({
          ...e,
          requestBody: new TextDecoder().decode(e.requestBody),
          responseBody: new TextDecoder().decode(e.responseBody),
        })));
        const logs = h.logs.join("\n");
        for (const key of Object.values(TEST_KEYS)) {
          assert.ok(upstream.includes(key), `upstream got ${key.slice(0, 8)}`);
          assert.ok(!captured.includes(key), `capture leaked ${key.slice(0, 8)}`);
          assert.ok(!logs.includes(key), `logs leaked ${key.slice(0, 8)}`);
        }
        for (const e of exchanges) {
          for (const name of ["authorization", "x-api-key", "x-goog-api-key", "api-key"]) {
            assert.equal(e.request.headers[name], undefined);
          }
        }
      });
    } finally {
      await h.close();
    }
  });
}
