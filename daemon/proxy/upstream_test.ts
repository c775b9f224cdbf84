/** @module Tests for the upstream client and its test-only redirect (TLS stays verified for the real name). */
import assert from "node:assert/strict";
import { startFakeProviders } from "../../tests/fakes/mod.ts";
import { createUpstream, upstreamOverrideFromEnv } from "./upstream.ts";

Deno.test("test upstream redirect keeps SNI, Host and verification for the real hostname", async (t) => {
  const fakes = await startFakeProviders();
  const env = (extra: Record<string, string> = {}) => ({
    get: (k: string) =>
      k === "HALTON_METER_TEST_UPSTREAM"
        ? JSON.stringify({ ...fakes.hosts, ...extra })
        : fakes.env[k],
  });
  try {
    await t.step("trusted fake CA: the real hostname reaches the fake", async () => {
      const up = createUpstream(upstreamOverrideFromEnv(env()));
      try {
        const r = await up.fetch(new URL("https://api.anthropic.com/v1/messages/count_tokens"), {
          method: "POST",
          headers: new Headers({ "content-type": "application/json" }),
          body: "{}",
        });
        assert.equal(r.status, 200);
        assert.deepEqual(Object.keys(await r.json()), ["input_tokens"]);
        assert.equal(fakes.requests.at(-1)!.host, "api.anthropic.com");
      } finally {
        await up.close();
      }
    });
    await t.step("a name missing from the fake certificate fails verification", async () => {
      const up = createUpstream(
        upstreamOverrideFromEnv(env({ "not-on-cert.example": `127.0.0.1:${fakes.port}` })),
      );
      try {
        await assert.rejects(
          () =>
            up.fetch(new URL("https://not-on-cert.example/v1/models"), { headers: new Headers() }),
          (e: Error) => /not valid for name "not-on-cert\.example"/.test(String(e.cause)),
        );
      } finally {
        await up.close();
      }
    });
    await t.step("without the fake CA the fake is not trusted", async () => {
      const up = createUpstream({ hosts: fakes.hosts, caPem: null });
      try {
        await assert.rejects(
          () => up.fetch(new URL("https://api.openai.com/v1/models"), { headers: new Headers() }),
          (e: Error) => /UnknownIssuer/.test(String(e.cause)),
        );
      } finally {
        await up.close();
      }
    });
    await t.step("tunnel targets follow the redirect", () => {
      const up = createUpstream(upstreamOverrideFromEnv(env()));
      assert.deepEqual(up.tunnelTarget("blind.fake.test", 443), {
        hostname: "127.0.0.1",
        port: fakes.port,
      });
      assert.deepEqual(up.tunnelTarget("example.org", 443), { hostname: "example.org", port: 443 });
      return up.close();
    });
  } finally {
    await fakes.close();
  }
});

Deno.test("upstreamOverrideFromEnv: unset gives none, bad JSON is a one-line error", () => {
  assert.equal(upstreamOverrideFromEnv({ get: () => undefined }), undefined);
  assert.throws(
    () =>
      upstreamOverrideFromEnv({
        get: (k) => (k === "HALTON_METER_TEST_UPSTREAM" ? "{nope" : undefined),
      }),
    /^Error: Cannot parse HALTON_METER_TEST_UPSTREAM: /,
  );
});

Deno.test("upstream ignores HTTP(S)_PROXY pointing at the daemon itself (no loop)", async () => {
  // In a child process: the environment change must not leak into parallel tests.
  const target = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("direct"),
  );
  try {
    const upstreamTs = new URL("./upstream.ts", import.meta.url).href;
    const url = `http://127.0.0.1:${target.addr.port}/`;
    const code = `
      import { createUpstream } from ${JSON.stringify(upstreamTs)};
      const plain = Deno.createHttpClient({});
      const control = await fetch(${JSON.stringify(url)}, { client: plain })
        .then((r) => r.text(), () => "env proxy used");
      plain.close();
      const up = createUpstream({ hosts: {}, caPem: null });
      const ours = await up.fetch(new URL(${JSON.stringify(url)}), { headers: new Headers() })
        .then((r) => r.text(), (e) => "failed: " + e.message);
      await up.close();
      console.log(JSON.stringify({ control, ours }));`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", code],
      env: { HTTPS_PROXY: "http://127.0.0.1:1", HTTP_PROXY: "http://127.0.0.1:1", NO_PROXY: "" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    assert.deepEqual(
      JSON.parse(text || "{}"),
      { control: "env proxy used", ours: "direct" },
      new TextDecoder().decode(out.stderr),
    );
  } finally {
    await target.shutdown();
  }
});
