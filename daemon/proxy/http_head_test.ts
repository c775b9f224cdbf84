/** @module Tests for request-head parsing, CONNECT targets, base-URL routes and secret redaction. */
import assert from "node:assert/strict";
import { parseAuthority, parseHead } from "./http_head.ts";
import { BASE_URL_PREFIXES, DEFAULT_INTERCEPT_HOSTS, resolveBaseUrl } from "./routes.ts";
import { findApiKey, redactQuery } from "./secrets.ts";

Deno.test("parseHead accepts HTTP/1.x heads and rejects malformed ones", async (t) => {
  const cases: [string, boolean][] = [
    ["CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443", true],
    ["GET /openai/v1/models HTTP/1.1\r\nHost: x", true],
    ["GET http://example.com/ HTTP/1.0", true],
    ["CONNECT api.openai.com:443", false],
    ["GET / HTTP/2.0", false],
    ["G@T / HTTP/1.1", false],
    ["GET / HTTP/1.1\r\nno colon here", false],
    ["GET  / HTTP/1.1", false],
  ];
  for (const [text, good] of cases) {
    await t.step(JSON.stringify(text), () => assert.equal(parseHead(text).ok, good));
  }
});

Deno.test("parseAuthority splits host:port and rejects bad CONNECT targets", async (t) => {
  const cases: [string, { host: string; port: number } | null][] = [
    ["api.openai.com:443", { host: "api.openai.com", port: 443 }],
    ["API.OpenAI.com:8443", { host: "api.openai.com", port: 8443 }],
    ["[::1]:443", { host: "::1", port: 443 }],
    ["api.openai.com", null],
    ["api.openai.com:0", null],
    ["api.openai.com:99999", null],
    ["bad host:443", null],
    [":443", null],
    ["http://x:443", null],
  ];
  for (const [target, want] of cases) {
    await t.step(target, () => assert.deepEqual(parseAuthority(target), want));
  }
});

Deno.test("resolveBaseUrl maps prefixes and project labels, and names unknown prefixes", async (t) => {
  const ok: [string, string, string, string | null][] = [
    ["/openai/v1/chat/completions", "api.openai.com", "/v1/chat/completions", null],
    ["/anthropic/v1/messages", "api.anthropic.com", "/v1/messages", null],
    [
      "/gemini/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
      "generativelanguage.googleapis.com",
      "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
      null,
    ],
    [
      "/p/billing/groq/openai/v1/chat/completions",
      "api.groq.com",
      "/openai/v1/chat/completions",
      "billing",
    ],
    ["/deepseek/chat/completions", "api.deepseek.com", "/chat/completions", null],
  ];
  for (const [target, host, path, label] of ok) {
    await t.step(target, () => {
      const r = resolveBaseUrl(target);
      assert.ok(r.ok);
      assert.equal(r.value.host, host);
      assert.equal(r.value.path, path);
      assert.equal(r.value.pathLabel, label);
    });
  }
  for (const target of ["/", "/nope/v1", "/p/x/nope/v1", "/p//openai/v1", "/__proto__/x"]) {
    await t.step(`rejects ${target}`, () => {
      const r = resolveBaseUrl(target);
      assert.ok(!r.ok);
      assert.match(r.error, /prefix|label/);
    });
  }
  await t.step("every prefix host is intercepted by default", () => {
    for (const h of Object.values(BASE_URL_PREFIXES)) {
      assert.ok(DEFAULT_INTERCEPT_HOSTS.includes(h));
    }
  });
});

Deno.test("secrets: key= query params are redacted and API keys found", async (t) => {
  await t.step("redactQuery", () => {
    assert.equal(
      redactQuery("/v1beta/models/x:generateContent?key=AIzaSECRET&alt=sse"),
      "/v1beta/models/x:generateContent?key=[redacted]&alt=sse",
    );
    assert.equal(redactQuery("/a?alt=sse&api_key=s"), "/a?alt=sse&api_key=[redacted]");
    assert.equal(redactQuery("/a?monkey=1"), "/a?monkey=1");
  });
  const cases: [Record<string, string>, string, string | null][] = [
    [{ authorization: "Bearer sk-abc" }, "/", "sk-abc"],
    [{ "x-api-key": "sk-ant-1" }, "/", "sk-ant-1"],
    [{ "x-goog-api-key": "AIza1" }, "/", "AIza1"],
    [{ "api-key": "azure1" }, "/", "azure1"],
    [{}, "/x?key=AIza2", "AIza2"],
    [{}, "/x", null],
  ];
  for (const [h, path, want] of cases) {
    await t.step(`findApiKey ${JSON.stringify(h)} ${path}`, () => {
      assert.equal(findApiKey(new Headers(h), path), want);
    });
  }
});
