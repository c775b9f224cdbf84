/**
 * @module End-to-end capture when things go wrong: an upstream 500, a stream cut mid-way, an
 * unreachable upstream and a non-LLM path each still make exactly one row ("a row with unknown
 * usage is still a row"), and the daemon keeps serving afterwards.
 */
import assert from "node:assert/strict";
import { startFakeProviders } from "../fakes/mod.ts";
import { initWithFreePorts, runCli, tempHome } from "./cli_helpers.ts";

async function curl(args: string[]): Promise<{ code: number; out: string }> {
  const o = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "20", ...args],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  return { code: o.code, out: new TextDecoder().decode(o.stdout) };
}

const CHAT = (stream: boolean) =>
  JSON.stringify({ model: "gpt-4o-mini", stream, messages: [{ role: "user", content: "hi" }] });

Deno.test("failed exchanges still become rows", async (t) => {
  const fakes = await startFakeProviders();
  const home = await tempHome();
  try {
    await initWithFreePorts(home.dir);
    // api.deepseek.com points at a closed port: the upstream is unreachable.
    const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const deadPort = closed.addr.port;
    closed.close();
    const env = {
      ...fakes.env,
      HALTON_METER_TEST_UPSTREAM: JSON.stringify({
        ...fakes.hosts,
        "api.deepseek.com": `127.0.0.1:${deadPort}`,
      }),
    };
    const started = await runCli(home.dir, ["start"], env);
    assert.equal(started.code, 0, started.stderr);
    const rt = JSON.parse(await Deno.readTextFile(home.paths.runtime));
    const base = `http://127.0.0.1:${rt.proxy.port}`;
    const post = (path: string, project: string, body: string, extra: string[] = []) =>
      curl([
        `${base}/p/${project}${path}`,
        "-H",
        "content-type: application/json",
        "-d",
        body,
        ...extra,
      ]);

    await t.step("send the failing exchanges", async () => {
      const e500 = await post("/openai/v1/chat/completions", "e500", CHAT(false), [
        "-H",
        "x-fake-scenario: error500",
      ]);
      assert.equal(e500.code, 0);
      assert.match(e500.out, /Fake upstream error/);
      await post("/openai/v1/chat/completions", "cut", CHAT(true), ["-H", "x-fake-scenario: cut"]);
      const dead = await post(
        "/deepseek/chat/completions",
        "dead",
        JSON.stringify({ model: "deepseek-chat", messages: [] }),
      );
      assert.match(dead.out, /"error"/);
      await curl([`${base}/p/models/openai/v1/models`]);
    });

    let rows: Record<string, unknown>[] = [];
    for (let i = 0; i < 100 && rows.length < 4; i++) {
      rows = JSON.parse((await runCli(home.dir, ["requests", "--json"])).stdout);
      if (rows.length < 4) await new Promise((r) => setTimeout(r, 100));
    }
    const byProject = (p: string) => {
      const r = rows.filter((x) => x.project_id === p);
      assert.equal(r.length, 1, `${p}: ${JSON.stringify(rows.map((x) => x.project_id))}`);
      return r[0];
    };

    // A failed request is not billed: its cost is unknown (null) or exactly zero, never a guess.
    const notBilled = (c: unknown) => assert.ok(c === null || c === 0, `cost ${c}`);
    await t.step("upstream 500: a row with status 500 and no cost", () => {
      const r = byProject("e500");
      assert.equal(r.status_code, 500);
      assert.equal(r.provider, "openai");
      notBilled(r.cost_usd_millicents);
    });
    await t.step("stream cut mid-way: a row whose usage is not ok", () => {
      const r = byProject("cut");
      assert.equal(r.provider, "openai");
      assert.notEqual(r.usage_status, "ok");
    });
    await t.step("unreachable upstream: a 502 row", () => {
      const r = byProject("dead");
      assert.equal(r.status_code, 502);
      assert.equal(r.provider, "deepseek");
      notBilled(r.cost_usd_millicents);
    });
    await t.step("non-LLM path on a provider host: a row", () => {
      const r = byProject("models");
      assert.equal(r.method, "GET");
      assert.match(r.path as string, /\/v1\/models$/);
    });
    await t.step("the daemon still serves", async () => {
      const ok = await post("/openai/v1/chat/completions", "after", CHAT(false));
      assert.equal(ok.code, 0);
      assert.ok(JSON.parse(ok.out).usage.prompt_tokens > 0);
      const st = await runCli(home.dir, ["status", "--json"]);
      assert.equal(st.code, 0);
    });
  } finally {
    await home.cleanup();
    await fakes.close();
  }
});
