/**
 * @module End to end with `curl`: HTTPS_PROXY-style interception (`--proxy` + `--cacert` with the
 * daemon CA) and base-URL mode, JSON and SSE, gzip, `key=` redaction, and a hook that strips
 * X-Halton-Project before the request goes upstream.
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { recordingHooks, startProxyHarness } from "../fakes/proxy_harness.ts";
import { fixture } from "../fakes/providers.ts";

const dec = new TextDecoder();

async function curl(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const o = await new Deno.Command("curl", {
    args: ["-sS", ...args],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

const CHAT = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
const CHAT_STREAM = JSON.stringify({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "hi" }],
  stream: true,
});
const MESSAGES_STREAM = JSON.stringify({
  model: "claude-sonnet-4-20250514",
  max_tokens: 50,
  stream: true,
  messages: [{ role: "user", content: "hi" }],
});
const KEY = "sk-test-curl-SECRET0123456789";
const GKEY = "AIzaCURLSECRET0123456789abcdefghijkl";

Deno.test("curl through the proxy and base-URL mode", async (t) => {
  const hooks = recordingHooks({
    onRequest(_req, outgoing) {
      outgoing.delete("x-halton-project");
    },
  });
  const h = await startProxyHarness({ hooks });
  const px = ["--proxy", h.proxyUrl, "--cacert", h.caPemPath];
  const auth = ["-H", `authorization: Bearer ${KEY}`, "-H", "content-type: application/json"];
  try {
    await t.step("MITM JSON: our CA signs the leaf, body intact", async () => {
      const r = await curl([
        ...px,
        ...auth,
        "-v",
        "-H",
        "X-Halton-Project: billing",
        "-d",
        CHAT,
        "https://api.openai.com/v1/chat/completions",
      ]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /issuer: CN=halton-meter local CA/);
      assert.match(r.err, /ALPN: server accepted http\/1\.1/);
      assert.equal(r.out, fixture("openai_chat_gpt-4o-mini_nonstream.response.json"));
      const up = h.fakes.requests.at(-1)!;
      assert.equal(up.headers["authorization"], `Bearer ${KEY}`);
      assert.equal(up.headers["x-halton-project"], undefined, "hook stripped X-Halton-Project");
      const ex = (await h.hooks.waitFor(1))[0];
      assert.equal(ex.request.headers["x-halton-project"], "billing", "captured for attribution");
      assert.equal(dec.decode(ex.requestBody), CHAT);
      assert.match(ex.responseHeaders["x-request-id"], /^req_fake/);
      assert.equal(ex.responseHeaders["request-id"], ex.responseHeaders["x-request-id"]);
      assert.equal(ex.request.client.address, "127.0.0.1");
      assert.ok(ex.request.client.port > 0);
    });
    await t.step("Expect: 100-continue with a large body (streamed upstream whole)", async () => {
      const big = JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "y".repeat(300_000) }],
      });
      const file = await Deno.makeTempFile();
      await Deno.writeTextFile(file, big);
      try {
        const r = await curl([
          ...px,
          ...auth,
          "-H",
          "Expect: 100-continue",
          "--data-binary",
          `@${file}`,
          "https://api.openai.com/v1/chat/completions",
        ]);
        assert.equal(r.code, 0, r.err);
        assert.equal(r.out, fixture("openai_chat_gpt-4o-mini_nonstream.response.json"));
        assert.equal(h.fakes.requests.at(-1)!.body, big);
        assert.equal(h.fakes.requests.at(-1)!.headers["expect"], undefined);
      } finally {
        await Deno.remove(file);
      }
    });
    await t.step("without the CA, curl refuses the intercepted certificate", async () => {
      const r = await curl(["--proxy", h.proxyUrl, "https://api.openai.com/v1/models"]);
      assert.equal(r.code, 60, r.err);
    });
    await t.step(
      "MITM SSE without include_usage: no usage chunk, all events in order",
      async () => {
        const r = await curl([
          ...px,
          ...auth,
          "-N",
          "-d",
          CHAT_STREAM,
          "https://api.openai.com/v1/chat/completions",
        ]);
        assert.equal(r.code, 0, r.err);
        assert.ok(r.out.endsWith("data: [DONE]\n\n"));
        assert.ok(!/"choices":\[\],"usage"/.test(r.out));
        const ex = (await h.hooks.waitFor(3))[2];
        assert.equal(dec.decode(ex.responseBody), r.out);
      },
    );
    await t.step("MITM Anthropic SSE", async () => {
      const r = await curl([
        ...px,
        "-N",
        "-H",
        `x-api-key: ${KEY}`,
        "-d",
        MESSAGES_STREAM,
        "https://api.anthropic.com/v1/messages",
      ]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, fixture("anthropic_messages_claude-sonnet-4_stream.response.sse"));
    });
    await t.step("Gemini key= in the URL is forwarded but redacted in the capture", async () => {
      const r = await curl([
        ...px,
        "-d",
        "{}",
        `https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=${GKEY}`,
      ]);
      assert.equal(r.code, 0, r.err);
      assert.ok(h.fakes.requests.at(-1)!.path.includes(`key=${GKEY}`));
      const ex = (await h.hooks.waitFor(5))[4];
      assert.equal(
        ex.request.path,
        "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=[redacted]",
      );
      assert.ok(ex.request.apiKeySha256);
    });
    await t.step("Gemini streamGenerateContent without alt=sse: one JSON array", async () => {
      const r = await curl([
        ...px,
        "-H",
        `x-goog-api-key: ${GKEY}`,
        "-d",
        "{}",
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent",
      ]);
      assert.equal(r.code, 0, r.err);
      const items = JSON.parse(r.out);
      assert.equal(items.length, 3);
      assert.equal(items.at(-1).usageMetadata.totalTokenCount, 663);
    });
    await t.step("base-URL mode, JSON and gzip", async () => {
      const r = await curl([...auth, "-d", CHAT, `${h.proxyUrl}/openai/v1/chat/completions`]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, fixture("openai_chat_gpt-4o-mini_nonstream.response.json"));
      const z = await curl([
        ...auth,
        "--compressed",
        "-D",
        "-",
        "-H",
        "x-fake-scenario: gzip",
        "-d",
        CHAT,
        `${h.proxyUrl}/openai/v1/chat/completions`,
      ]);
      assert.equal(z.code, 0, z.err);
      const [head, body] = z.out.split("\r\n\r\n");
      assert.ok(!/content-encoding/i.test(head), "decoded body must not claim an encoding");
      assert.equal(body, fixture("openai_chat_gpt-4o-mini_nonstream.response.json"));
      const up = h.fakes.requests.at(-1)!;
      assert.match(up.headers["accept-encoding"], /gzip/);
    });
    await t.step(
      "MITM gzip: upstream compressed, client gets identity bytes with agreeing headers",
      async () => {
        const r = await curl([
          ...px,
          ...auth,
          "-D",
          "-",
          "-H",
          "accept-encoding: gzip",
          "-H",
          "x-fake-scenario: gzip",
          "-d",
          CHAT_STREAM,
          "https://api.openai.com/v1/chat/completions",
        ]);
        assert.equal(r.code, 0, r.err);
        // curl -D prints the proxy's CONNECT answer first.
        const out = r.out.replace(/^HTTP\/1\.1 200 Connection Established\r\n\r\n/, "");
        const [head, ...rest] = out.split("\r\n\r\n");
        const body = rest.join("\r\n\r\n");
        assert.ok(!/content-encoding/i.test(head));
        assert.ok(body.startsWith("data: {"), "identity, not gzip bytes");
        assert.ok(body.endsWith("data: [DONE]\n\n"));
        // Control: the same request straight to the fake really is gzip on the wire.
        const raw = await new Deno.Command("curl", {
          args: [
            "-sS",
            "--cacert",
            h.fakes.caPemPath,
            "--resolve",
            `api.openai.com:${h.fakes.port}:127.0.0.1`,
            "-H",
            "accept-encoding: gzip",
            "-H",
            "x-fake-scenario: gzip",
            "-d",
            CHAT_STREAM,
            `https://api.openai.com:${h.fakes.port}/v1/chat/completions`,
          ],
          stdout: "piped",
        }).output();
        assert.equal(dec.decode(gunzipSync(raw.stdout)), body);
      },
    );
  } finally {
    await h.close();
  }
});
