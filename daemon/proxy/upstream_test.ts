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
