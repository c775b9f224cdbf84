/**
 * @module The proxy under bad input and failures: malformed CONNECT, non-HTTP bytes, unknown
 * prefixes and oversized heads get a clear 4xx and the proxy keeps serving; the blind tunnel stays
 * blind; dead upstreams give a 502 naming the cause; client aborts abort upstream; cut streams,
 * throwing hooks, body rewrite, truncation, hop-by-hop removal, connection reuse and plain
 * absolute-URI HTTP.
 */
import assert from "node:assert/strict";
import tls from "node:tls";
import { X509Certificate } from "node:crypto";
import { type ProxyHarness, recordingHooks, startProxyHarness } from "../fakes/proxy_harness.ts";
import { fixture } from "../fakes/providers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Sends raw bytes to the proxy and reads until it closes the connection. */
async function raw(port: number, bytes: Uint8Array | string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(typeof bytes === "string" ? enc.encode(bytes) : bytes);
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(16384);
    while (true) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    return dec.decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  } finally {
    try {
      conn.close();
    } catch { /* closed by peer */ }
  }
}

/** A normal base-URL request; proves the proxy still serves. */
async function healthy(h: ProxyHarness): Promise<void> {
  const r = await fetch(`${h.proxyUrl}/openai/v1/models`);
  assert.equal(r.status, 200);
  assert.match(await r.text(), /gpt-4o-mini/);
}

const CHAT_STREAM = JSON.stringify({
  model: "gpt-4o-mini",
  stream: true,
  messages: [{ role: "user", content: "hi" }],
});

Deno.test("bad input gets a clear 4xx and the proxy keeps serving", async (t) => {
  const h = await startProxyHarness({ maxHeaderBytes: 4096 });
  try {
    const cases: [string, string | Uint8Array, RegExp][] = [
      [
        "CONNECT without port",
        "CONNECT api.openai.com HTTP/1.1\r\n\r\n",
        /^HTTP\/1\.1 400 [\s\S]*Malformed CONNECT target/,
      ],
      [
        "CONNECT garbage target",
        "CONNECT ::::nonsense:: HTTP/1.1\r\nHost: x\r\n\r\n",
        /^HTTP\/1\.1 400 /,
      ],
      ["CONNECT bad port", "CONNECT api.openai.com:70000 HTTP/1.1\r\n\r\n", /^HTTP\/1\.1 400 /],
      [
        "request line with two parts",
        "CONNECT api.openai.com:443\r\n\r\n",
        /^HTTP\/1\.1 400 [\s\S]*Malformed request line/,
      ],
      [
        "TLS ClientHello sent to the plain port",
        new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]),
        /^HTTP\/1\.1 400 [\s\S]*HTTP method/,
      ],
      [
        "binary garbage",
        new Uint8Array([0, 1, 2, 3, 255, 254, 13, 10, 13, 10]),
        /^HTTP\/1\.1 400 /,
      ],
      ["text garbage", "HELLO THERE\r\n\r\n", /^HTTP\/1\.1 400 /],
      [
        "bad header line",
        "GET /openai/v1/models HTTP/1.1\r\nno-colon-here\r\n\r\n",
        /^HTTP\/1\.1 400 /,
      ],
      [
        "oversized head",
        `GET /openai/v1/models HTTP/1.1\r\nX-Big: ${"a".repeat(8000)}\r\n\r\n`,
        /^HTTP\/1\.1 431 [\s\S]*"headers_too_large"/,
      ],
      [
        "oversized CONNECT head",
        `CONNECT api.openai.com:443 HTTP/1.1\r\nX-Big: ${"a".repeat(8000)}\r\n\r\n`,
        /^HTTP\/1\.1 431 /,
      ],
    ];
    for (const [name, bytes, want] of cases) {
      await t.step(name, async () => {
        assert.match(await raw(h.proxy.port, bytes), want);
        await healthy(h);
      });
    }
    await t.step("oversized head on a later keep-alive request", async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: h.proxy.port });
      try {
        await conn.write(enc.encode("GET /openai/v1/models HTTP/1.1\r\nHost: x\r\n\r\n"));
        let first = "";
        const buf = new Uint8Array(16384);
        while (!first.includes("gpt-4o-mini")) {
          const n = await conn.read(buf);
          assert.ok(n !== null, "first response arrived");
          first += dec.decode(buf.subarray(0, n));
        }
        assert.match(first, /^HTTP\/1\.1 200 /);
        await conn.write(
          enc.encode(
            `GET /openai/v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(8000)}\r\n\r\n`,
          ),
        );
        let second = "";
        while (true) {
          const n = await conn.read(buf).catch(() => null);
          if (n === null) break;
          second += dec.decode(buf.subarray(0, n));
        }
        assert.match(second, /^HTTP\/1\.1 431 /);
      } finally {
        try {
          conn.close();
        } catch { /* closed */ }
      }
      await healthy(h);
    });
    await t.step("unknown base-URL prefix: 404 JSON naming it", async () => {
      const r = await fetch(`${h.proxyUrl}/openia/v1/chat/completions`, {
        method: "POST",
        body: "{}",
      });
      assert.equal(r.status, 404);
      const j = await r.json();
      assert.equal(j.error.code, "unknown_prefix");
      assert.match(j.error.message, /"openia"/);
      await healthy(h);
    });
    await t.step("no exchange was captured for rejected input", () => {
      assert.ok(h.hooks.exchanges.every((e) => e.request.path === "/v1/models"));
    });
  } finally {
    await h.close();
  }
});

Deno.test("blind tunnel: the client sees the upstream's own certificate", async (t) => {
  const h = await startProxyHarness();
  try {
    for (
      const [name, servername] of [[
        "non-intercepted host: the TLS session is the upstream's own",
        "blind.fake.test",
      ]]
    ) {
      await t.step(name, async () => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: h.proxy.port });
        await conn.write(
          enc.encode(`CONNECT ${servername}:443 HTTP/1.1\r\nHost: ${servername}:443\r\n\r\n`),
        );
        const buf = new Uint8Array(1024);
        const n = await conn.read(buf);
        assert.match(dec.decode(buf.subarray(0, n!)), /^HTTP\/1\.1 200 /);
        conn.close();
        // Now a real TLS client over a fresh CONNECT, via node:tls on a node socket.
        const net = await import("node:net");
        const sock = net.connect(h.proxy.port, "127.0.0.1");
        await new Promise<void>((resolve, reject) => {
          sock.once("error", reject);
          sock.once("connect", () => {
            sock.write(`CONNECT ${servername}:443 HTTP/1.1\r\nHost: ${servername}:443\r\n\r\n`);
            sock.once("data", (d: Uint8Array) => {
              assert.match(dec.decode(d), /^HTTP\/1\.1 200 /);
              resolve();
            });
          });
        });
        const peer = await new Promise<X509Certificate>((resolve, reject) => {
          const s = tls.connect({ socket: sock, servername, ca: [h.fakes.caPem] }, () => {
            const c = s.getPeerX509Certificate?.() ??
              new X509Certificate(s.getPeerCertificate(true).raw);
            s.destroy();
            resolve(c);
          });
          s.once("error", reject);
        });
        assert.match(peer.issuer, /halton-meter TEST upstream CA/);
        assert.doesNotMatch(peer.issuer, /halton-meter local CA/);
        assert.ok(peer.checkIssued(new X509Certificate(h.fakes.caPem)));
        assert.ok(!peer.checkIssued(new X509Certificate(h.caPem)));
      });
    }
    await t.step("a stray SNI inside an intercepted CONNECT gets no leaf of its own", async () => {
      const net = await import("node:net");
      const sock = net.connect(h.proxy.port, "127.0.0.1");
      await new Promise<void>((resolve, reject) => {
        sock.once("error", reject);
        sock.once("connect", () => {
          sock.write("CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\n");
          sock.once("data", () => resolve());
        });
      });
      const subject = await new Promise<string>((resolve, reject) => {
        const s = tls.connect(
          { socket: sock, servername: "stray.example", rejectUnauthorized: false },
          () => {
            const c = s.getPeerCertificate();
            s.destroy();
            resolve(String(c.subject?.CN));
          },
        );
        s.once("error", reject);
      });
      assert.equal(subject, "halton-meter.invalid");
    });
    await t.step(
      "nothing was captured from the tunnel",
      () => assert.equal(h.hooks.exchanges.length, 0),
    );
    await t.step("CONNECT to a dead host gets 502", async () => {
      assert.match(
        await raw(h.proxy.port, "CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n"),
        /^HTTP\/1\.1 502 /,
      );
    });
  } finally {
    await h.close();
  }
});

Deno.test("upstream failures, aborts and cut streams", async (t) => {
  const dead = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = (dead.addr as Deno.NetAddr).port;
  dead.close();
  const h = await startProxyHarness({
    upstreamHosts: { "api.mistral.ai": `127.0.0.1:${deadPort}` },
  });
  try {
    await t.step(
      "dead upstream: 502 JSON upstream_unreachable, outcome upstream_error",
      async () => {
        const r = await fetch(`${h.proxyUrl}/mistral/v1/chat/completions`, {
          method: "POST",
          body: "{}",
        });
        assert.equal(r.status, 502);
        const j = await r.json();
        assert.equal(j.error.code, "upstream_unreachable");
        assert.match(j.error.message, /api\.mistral\.ai/);
        const ex = (await h.hooks.waitFor(1))[0];
        assert.equal(ex.outcome, "upstream_error");
        assert.equal(ex.status, 502);
        assert.ok(ex.error);
        await healthy(h);
      },
    );
    await t.step("streamed, not buffered; client abort aborts the upstream request", async () => {
      const ac = new AbortController();
      const r = await fetch(`${h.proxyUrl}/openai/v1/chat/completions`, {
        method: "POST",
        body: CHAT_STREAM,
        headers: { "x-fake-scenario": "hang" },
        signal: ac.signal,
      });
      const reader = r.body!.getReader();
      // The first event arrives while the upstream is still streaming: nothing is buffered.
      const first = await reader.read();
      assert.match(dec.decode(first.value), /^data: \{/);
      ac.abort();
      await reader.closed.catch(() => {});
      const ex = await h.hooks.waitForMatch((e) => e.request.headers["x-fake-scenario"] === "hang");
      assert.equal(ex.outcome, "client_aborted");
      const up = h.fakes.requests.at(-1)!;
      for (let i = 0; i < 200 && !up.aborted; i++) await new Promise((r) => setTimeout(r, 25));
      assert.equal(up.aborted, true, "upstream saw the abort");
      await healthy(h);
    });
    await t.step(
      "upstream cut mid-stream: client sees an error, outcome upstream_cut",
      async () => {
        const r = await fetch(`${h.proxyUrl}/openai/v1/chat/completions`, {
          method: "POST",
          body: CHAT_STREAM,
          headers: { "x-fake-scenario": "cut" },
        });
        await assert.rejects(() => r.text());
        const ex = await h.hooks.waitForMatch((e) =>
          e.request.headers["x-fake-scenario"] === "cut"
        );
        assert.equal(ex.outcome, "upstream_cut");
        assert.ok(ex.responseBodyBytes > 0);
        await healthy(h);
      },
    );
    await t.step("upstream 500 is passed through as is", async () => {
      const r = await fetch(`${h.proxyUrl}/openai/v1/chat/completions`, {
        method: "POST",
        body: "{}",
        headers: { "x-fake-scenario": "error500" },
      });
      assert.equal(r.status, 500);
      assert.match(await r.text(), /Fake upstream error/);
    });
  } finally {
    await h.close();
  }
});

Deno.test("hooks: throwing hooks never touch traffic; rewrite, truncation, reuse, hop-by-hop", async (t) => {
  await t.step("every hook throws: traffic flows, failures are logged", async () => {
    const boom = () => {
      throw new Error("hook exploded");
    };
    const hooks = {
      onRequest: () => ({ rewriteBody: true }),
      rewriteRequestBody: boom,
      onResponse: () => ({ chunk: boom }),
      onExchange: boom,
    };
    // deno-lint-ignore no-explicit-any
    const h = await startProxyHarness({ hooks: hooks as any });
    try {
      const r = await fetch(`${h.proxyUrl}/openai/v1/chat/completions`, {
        method: "POST",
        body: CHAT_STREAM,
      });
      assert.equal(r.status, 200);
      assert.ok((await r.text()).endsWith("data: [DONE]\n\n"));
      assert.equal(h.fakes.requests[0].body, CHAT_STREAM);
      // onExchange runs on a later turn than the response: wait for its log line.
      for (let i = 0; i < 400 && !h.logs.some((l) => l.includes('"hook":"onExchange"')); i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      const failed = h.logs.filter((l) => l.includes("Capture hook failed")).map((l) =>
        JSON.parse(l).hook
      );
      assert.deepEqual(failed.sort(), ["onExchange", "rewriteRequestBody", "tap.chunk"]);
    } finally {
      await h.close();
    }
  });
  await t.step("rewriteBody: the hook's body goes upstream", async () => {
    const hooks = recordingHooks({
      onRequest: () => ({ rewriteBody: true }),
      rewriteRequestBody: (_req, body) => {
        const j = JSON.parse(dec.decode(body));
        j.stream_options = { include_usage: true };
        return enc.encode(JSON.stringify(j));
      },
    });
    const h = await startProxyHarness({ hooks });
    try {
      const r = await fetch(`${h.proxyUrl}/openai/v1/chat/completions`, {
        method: "POST",
        body: CHAT_STREAM,
      });
      const text = await r.text();
      assert.match(text, /"choices":\[\],"usage":\{"prompt_tokens":20/);
      assert.deepEqual(JSON.parse(h.fakes.requests[0].body).stream_options, {
        include_usage: true,
      });
    } finally {
      await h.close();
    }
  });
  await t.step("bodies above maxBodyBytes are forwarded whole, captured truncated", async () => {
    const h = await startProxyHarness({ maxBodyBytes: 100 });
    try {
      const big = JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "x".repeat(5000) }],
      });
      const r = await fetch(`${h.proxyUrl}/anthropic/v1/messages`, {
        method: "POST",
        body: big,
        headers: { "x-fake-fixture": "anthropic_messages_websearch_nonstream.response.json" },
      });
      const text = await r.text();
      assert.equal(text, fixture("anthropic_messages_websearch_nonstream.response.json"));
      assert.equal(h.fakes.requests[0].body, big);
      const ex = (await h.hooks.waitFor(1))[0];
      assert.equal(ex.requestBody.length, 100);
      assert.equal(ex.requestBodyBytes, big.length);
      assert.equal(ex.requestBodyTruncated, true);
      assert.equal(ex.responseBody.length, 100);
      assert.equal(ex.responseBodyBytes, enc.encode(text).length);
      assert.equal(ex.responseBodyTruncated, true);
    } finally {
      await h.close();
    }
  });
  await t.step("upstream connections are reused; hop-by-hop headers removed", async () => {
    const h = await startProxyHarness();
    try {
      for (let i = 0; i < 5; i++) {
        const r = await fetch(`${h.proxyUrl}/openai/v1/chat/completions`, {
          method: "POST",
          body: CHAT_STREAM,
          headers: {
            connection: "keep-alive, x-hop",
            "x-hop": "1",
            "proxy-connection": "keep-alive",
            "x-keep": "1",
          },
        });
        await r.text();
      }
      const ports = new Set(h.fakes.requests.map((r) => r.remotePort));
      assert.equal(ports.size, 1, "one upstream connection for five sequential requests");
      const up = h.fakes.requests[0].headers;
      assert.equal(up["x-hop"], undefined);
      assert.equal(up["proxy-connection"], undefined);
      assert.equal(up["x-keep"], "1");
    } finally {
      await h.close();
    }
  });
  await t.step("a base-URL request that also went through HTTP_PROXY is one flow", async () => {
    const h = await startProxyHarness();
    try {
      // Absolute-form request line naming the proxy itself, as an HTTP_PROXY client sends it.
      const self = `127.0.0.1:${h.proxy.port}`;
      const out = await raw(
        h.proxy.port,
        `GET http://${self}/p/team-a/openai/v1/models HTTP/1.1\r\nHost: ${self}\r\nConnection: close\r\n\r\n`,
      );
      assert.match(out, /^HTTP\/1\.1 200 [\s\S]*gpt-4o-mini/);
      const ex = await h.hooks.waitForMatch(() => true);
      assert.equal(ex.request.mode, "base_url");
      assert.equal(ex.request.host, "api.openai.com");
      assert.equal(ex.request.pathLabel, "team-a");
      await healthy(h);
      await h.hooks.waitForMatch((e) => e.request.pathLabel === null);
      assert.deepEqual(h.hooks.exchanges.map((e) => e.request.mode), ["base_url", "base_url"]);
    } finally {
      await h.close();
    }
  });
  await t.step("absolute-URI plain HTTP is forwarded and captured (mode http)", async () => {
    const plain = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => new Response(`plain ${new URL(req.url).pathname}`),
    );
    const h = await startProxyHarness();
    const client = Deno.createHttpClient({ proxy: { url: h.proxyUrl } });
    try {
      const r = await fetch(
        `http://127.0.0.1:${plain.addr.port}/hello?key=SECRETQ`,
        { client } as RequestInit,
      );
      assert.equal(await r.text(), "plain /hello");
      const ex = (await h.hooks.waitFor(1))[0];
      assert.equal(ex.request.mode, "http");
      assert.equal(ex.request.host, `127.0.0.1:${plain.addr.port}`);
      assert.equal(ex.request.path, "/hello?key=[redacted]");
    } finally {
      client.close();
      await h.close();
      await plain.shutdown();
    }
  });
});

/** One masked client text frame (payload < 126 bytes). */
function wsFrame(text: string): Uint8Array {
  const p = enc.encode(text);
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const out = new Uint8Array(6 + p.length);
  out.set([0x81, 0x80 | p.length, ...mask]);
  for (let i = 0; i < p.length; i++) out[6 + i] = p[i] ^ mask[i % 4];
  return out;
}

Deno.test("WebSocket upgrades on intercepted hosts are relayed, not broken", async (t) => {
  const h = await startProxyHarness();
  const KEY = "sk-test-ws-SECRET0123456789";
  try {
    await t.step("MITM wss://api.openai.com/v1/realtime echoes through the proxy", async () => {
      const net = await import("node:net");
      const sock = net.connect(h.proxy.port, "127.0.0.1");
      await new Promise<void>((resolve, reject) => {
        sock.once("error", reject);
        sock.once("connect", () => {
          sock.write("CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\n");
          sock.once("data", () => resolve());
        });
      });
      const s = tls.connect({ socket: sock, servername: "api.openai.com", ca: [h.caPem] });
      const received: Uint8Array[] = [];
      let wake = () => {};
      s.on("data", (d: Uint8Array) => {
        received.push(d);
        wake();
      });
      const until = async (pred: (text: string) => boolean) => {
        while (!pred(dec.decode(new Uint8Array(received.flatMap((c) => [...c]))))) {
          await new Promise<void>((r) => (wake = r));
        }
        return dec.decode(new Uint8Array(received.flatMap((c) => [...c])));
      };
      await new Promise<void>((r) => s.once("secureConnect", () => r()));
      s.write(
        "GET /v1/realtime?model=gpt-realtime HTTP/1.1\r\nHost: api.openai.com\r\n" +
          "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer ${KEY}\r\n\r\n`,
      );
      const head = await until((x) => x.includes("\r\n\r\n"));
      assert.match(head, /^HTTP\/1\.1 101 /);
      s.write(wsFrame("hello"));
      const all = await until((x) => x.includes("echo:hello"));
      assert.ok(all.includes("echo:hello"));
      s.destroy();
      const up = h.fakes.requests.find((r) => r.path.startsWith("/v1/realtime"));
      assert.ok(up, "upgrade reached the upstream");
      assert.equal(up.headers["authorization"], `Bearer ${KEY}`);
      assert.ok(!h.logs.join("\n").includes(KEY), "key never logged");
    });
    await t.step("base-URL ws://127.0.0.1:port/openai/v1/realtime echoes too", async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: h.proxy.port });
      try {
        await conn.write(enc.encode(
          "GET /openai/v1/realtime HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n" +
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        ));
        let text = "";
        const buf = new Uint8Array(4096);
        let sent = false;
        while (!text.includes("echo:base")) {
          const n = await conn.read(buf);
          assert.ok(n !== null, "connection stayed open");
          text += dec.decode(buf.subarray(0, n));
          if (!sent && text.includes("\r\n\r\n")) {
            assert.match(text, /^HTTP\/1\.1 101 /);
            await conn.write(wsFrame("base"));
            sent = true;
          }
        }
      } finally {
        conn.close();
      }
    });
  } finally {
    await h.close();
  }
});
