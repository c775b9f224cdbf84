/**
 * @module End-to-end capture: a background daemon (started by the CLI) whose upstreams are the
 * local HTTPS fakes; the official SDKs and curl reach it through HTTPS_PROXY (configured only by
 * `halton-meter env`) and through base-URL mode (`halton-meter env --base-url`). `requests --json`
 * must then show one row per exchange with the provider, model, the tokens the SDK saw, a price,
 * the attribution and a prompt hash — and the API keys must appear in no file of the home.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startFakeProviders } from "../fakes/mod.ts";
import { PERMISSION_FLAGS } from "../../daemon/process/spawn.ts";
import { costOf, defaultPriceTable } from "../../shared/pricing/mod.ts";
import { RequestRow } from "../../shared/schemas/request_row.ts";
import { emptyUsage, type ProviderId, type Usage } from "../../shared/schemas/usage.ts";
import { type CaseResult, SECRET_KEYS } from "./capture_client.ts";
import { initWithFreePorts, runCli, tempHome } from "./cli_helpers.ts";

const CLIENT = fileURLToPath(new URL("./capture_client.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));
const CURL_SECRET = "sk-test-curl-CAPTURESECRET0123456789";

/** Parses `export NAME='value'` lines (bash output of `halton-meter env`). */
function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^export ([A-Z_]+)='(.*)'$/gm)) {
    env[m[1]] = m[2].replaceAll(`'\\''`, "'");
  }
  return env;
}

async function runClient(
  prefix: string,
  cases: string[],
  env: Record<string, string>,
): Promise<CaseResult[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...PERMISSION_FLAGS, "--config", CONFIG, CLIENT, prefix, ...cases],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return text.trim().split("\n").map((l) => JSON.parse(l));
}

async function curl(
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<{ code: number; body: string }> {
  const out = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "20", ...args],
    env,
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    body: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
  };
}

const CHAT = JSON.stringify({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Say hi in Portuguese" }],
});

Deno.test("SDKs and curl through HTTPS_PROXY and base-URL mode become priced, attributed rows", async (t) => {
  const fakes = await startFakeProviders();
  const home = await tempHome();
  try {
    await initWithFreePorts(home.dir);
    const started = await runCli(home.dir, ["start"], fakes.env);
    assert.equal(started.code, 0, started.stderr);
    const proxyEnv = parseEnv((await runCli(home.dir, ["env", "--shell", "bash"])).stdout);
    const baseEnv = parseEnv(
      (await runCli(home.dir, ["env", "--shell", "bash", "--base-url"])).stdout,
    );
    assert.ok(proxyEnv.HTTPS_PROXY && baseEnv.OPENAI_BASE_URL);

    const results: CaseResult[] = [];
    await t.step("SDKs through HTTPS_PROXY (env from `halton-meter env`)", async () => {
      const r = await runClient(
        "px",
        ["openai_chat", "anthropic_stream", "gemini_generate"],
        proxyEnv,
      );
      for (const c of r) assert.ok(c.ok, `${c.case}: ${c.error}`);
      results.push(...r.map((c) => ({ ...c, case: `px-${c.case.replaceAll("_", "-")}` })));
    });
    await t.step(
      "SDKs through base-URL mode (env from `halton-meter env --base-url`)",
      async () => {
        const r = await runClient("bu", [
          "openai_chat_stream",
          "anthropic_messages",
          "gemini_stream",
        ], baseEnv);
        for (const c of r) assert.ok(c.ok, `${c.case}: ${c.error}`);
        results.push(...r.map((c) => ({ ...c, case: `bu-${c.case.replaceAll("_", "-")}` })));
      },
    );
    await t.step("curl through HTTPS_PROXY and through a labelled base URL", async () => {
      const viaProxy = await curl([
        "--fail",
        "https://api.openai.com/v1/chat/completions",
        "-H",
        `Authorization: Bearer ${CURL_SECRET}`,
        "-H",
        "X-Halton-Project: px-curl",
        "-H",
        "content-type: application/json",
        "-d",
        CHAT,
      ], proxyEnv);
      assert.equal(viaProxy.code, 0, viaProxy.body);
      const usage = JSON.parse(viaProxy.body).usage;
      results.push({
        case: "px-curl",
        ok: true,
        provider: "openai",
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
      });
      const base = baseEnv.OPENAI_BASE_URL.replace(/\/openai\/v1$/, "");
      const viaBase = await curl([
        "--fail",
        `${base}/p/bu-curl-label/openai/v1/chat/completions`,
        "-H",
        `Authorization: Bearer ${CURL_SECRET}`,
        "-H",
        "content-type: application/json",
        "-d",
        CHAT,
      ], {});
      assert.equal(viaBase.code, 0, viaBase.body);
      const u2 = JSON.parse(viaBase.body).usage;
      results.push({
        case: "bu-curl-label",
        ok: true,
        provider: "openai",
        prompt_tokens: u2.prompt_tokens,
        completion_tokens: u2.completion_tokens,
      });
    });

    await t.step(
      "a client without a header in a directory with .halton-meter.toml (process attribution)",
      async () => {
        // The client keeps its (pooled) connection to the proxy open until told to exit, so the
        // daemon can find it through its socket whatever the machine's speed — as with any SDK
        // client that lives longer than one request.
        const wd = await Deno.makeTempDir({ prefix: "hm-rc-" });
        try {
          await Deno.writeTextFile(`${wd}/.halton-meter.toml`, 'project = "rc-client"\n');
          const code = `
          const r = await fetch("https://api.openai.com/v1/chat/completions", {
            method: "POST",
            headers: { authorization: "Bearer ${CURL_SECRET}", "content-type": "application/json" },
            body: ${JSON.stringify(CHAT)},
          });
          console.log(JSON.stringify(await r.json()));
          await Deno.stdin.read(new Uint8Array(1));`;
          const child = new Deno.Command(Deno.execPath(), {
            args: ["eval", code],
            cwd: wd,
            env: proxyEnv,
            stdin: "piped",
            stdout: "piped",
            stderr: "inherit",
          }).spawn();
          const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
          let out = "";
          while (!out.includes("\n")) {
            const { value, done } = await reader.read();
            if (done) break;
            out += value;
          }
          const u = JSON.parse(out).usage;
          results.push({
            case: "rc-client",
            ok: true,
            provider: "openai",
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
          });
          // Wait (bounded) for its row, then let the client exit.
          for (let i = 0; i < 100; i++) {
            const r = await runCli(home.dir, ["requests", "--json", "--since", "1h"]);
            if (JSON.parse(r.stdout).length >= results.length) break;
            await new Promise((res) => setTimeout(res, 100));
          }
          await child.stdin.close();
          await reader.cancel();
          await child.status;
        } finally {
          await Deno.remove(wd, { recursive: true });
        }
      },
    );

    // Rows are written in batches off the hot path: wait (bounded) until all of them are visible.
    let rows: Record<string, unknown>[] = [];
    for (let i = 0; i < 100 && rows.length < results.length; i++) {
      const r = await runCli(home.dir, ["requests", "--json", "--since", "1h"]);
      assert.equal(r.code, 0, r.stderr);
      rows = JSON.parse(r.stdout);
      if (rows.length < results.length) await new Promise((res) => setTimeout(res, 100));
    }

    await t.step("one row per exchange, each valid in the sync contract", () => {
      assert.equal(rows.length, results.length, JSON.stringify(rows.map((r) => r.project_id)));
      for (const row of rows) {
        const parsed = RequestRow.safeParse(row);
        assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
      }
    });

    for (const c of results) {
      await t.step(`row for ${c.case}`, () => {
        const row = rows.find((r) => r.project_id === c.case);
        assert.ok(
          row,
          `no row attributed to ${c.case}: ${JSON.stringify(rows.map((r) => r.project_id))}`,
        );
        assert.equal(row.provider, c.provider);
        const method = c.case === "bu-curl-label"
          ? "path_label"
          : c.case === "rc-client"
          ? "rcfile"
          : "header";
        assert.equal(row.attribution_method, method);
        assert.equal(row.status_code, 200);
        assert.ok(typeof row.model === "string" && row.model.length > 0);
        if (c.model) assert.equal(row.model, c.model);
        assert.equal(row.prompt_tokens, c.prompt_tokens);
        assert.equal(row.completion_tokens, c.completion_tokens);
        assert.equal(row.usage_status, "ok");
        assert.equal(row.priced, true);
        // The stored cost is the pricing engine's answer for the stored usage at request time.
        const usage: Usage = {
          ...emptyUsage(row.provider as ProviderId, "ok"),
          ...Object.fromEntries(
            Object.entries(row).filter(([k]) => k in emptyUsage("openai", "ok")),
          ),
          stream: false,
          billable: true,
          operation: null,
          error: null,
          speed: null,
          inference_geo: null,
        } as Usage;
        const expected = costOf(usage, defaultPriceTable(), new Date(row.timestamp as string));
        assert.equal(expected.priced, true);
        assert.equal(row.cost_usd_millicents, expected.cost_usd_millicents);
        assert.equal(row.pricing_version, expected.pricing_version);
        assert.match(row.prompt_hash as string, /^[0-9a-f]{16}$/);
        assert.equal(row.hostname, Deno.hostname());
      });
    }

    await t.step("the same prompt has the same hash across clients and modes", () => {
      const curlRows = rows.filter((r) => /curl|rc-client/.test(String(r.project_id)));
      assert.equal(curlRows.length, 3);
      assert.equal(new Set(curlRows.map((r) => r.prompt_hash)).size, 1);
    });

    await t.step("X-Halton-Project never reaches the provider", () => {
      assert.ok(fakes.requests.length >= results.length);
      for (const r of fakes.requests) assert.equal(r.headers["x-halton-project"], undefined);
    });

    await t.step("status counts today's rows", async () => {
      const st = JSON.parse((await runCli(home.dir, ["status", "--json"])).stdout);
      assert.equal(st.rows_today, results.length);
    });

    await t.step("no API key in the database, the logs or any file of the home", async () => {
      const stop = await runCli(home.dir, ["stop"]);
      assert.equal(stop.code, 0, stop.stderr);
      const secrets = [...Object.values(SECRET_KEYS), CURL_SECRET];
      // The keys really were sent: the fakes received them.
      const upstreamAuth = fakes.requests.map((r) => JSON.stringify(r.headers)).join("\n");
      for (const s of [SECRET_KEYS.openai, SECRET_KEYS.anthropic, CURL_SECRET]) {
        assert.ok(upstreamAuth.includes(s), s);
      }
      let checked = 0;
      for await (const e of Deno.readDir(home.dir)) {
        if (!e.isFile) continue;
        const bytes = await Deno.readFile(`${home.dir}/${e.name}`);
        const text = new TextDecoder("latin1").decode(bytes);
        for (const s of secrets) assert.ok(!text.includes(s), `${s} found in ${e.name}`);
        checked++;
      }
      assert.ok(checked >= 5);
    });
  } finally {
    await home.cleanup();
    await fakes.close();
  }
});
