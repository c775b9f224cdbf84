/**
 * @module Regression: short-lived clients through a real daemon. Sequential `curl` runs (each
 * exits as soon as it has its response, and the fake upstream answers at once over a warm
 * keep-alive connection) go through HTTPS_PROXY from different working directories: one with an
 * `X-Halton-Project` header, one beside a `.halton-meter.toml`, one with `HALTON_METER_PROJECT`.
 * Every row must carry its own project and method. Before the fix the process lookup ran after
 * the client had exited and the second and later rows fell back to `unattributed`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeProviders } from "../fakes/mod.ts";
import { initWithFreePorts, runCli, tempHome } from "./cli_helpers.ts";

const SECRET = "sk-test-short-lived-SECRET0123456789";
const CHAT = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
/** Rounds of the three clients: later rounds reuse the daemon's warm upstream connection. */
const ROUNDS = 3;

/** Parses `export NAME='value'` lines (bash output of `halton-meter env`). */
function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^export ([A-Z_]+)='(.*)'$/gm)) {
    env[m[1]] = m[2].replaceAll(`'\\''`, "'");
  }
  return env;
}

interface ClientCase {
  name: string;
  dir: string;
  args: string[];
  env: Record<string, string>;
  want: string;
}

/** Polls `requests --json` until `n` rows are there (or gives up after ~30 s). */
async function rowsWhenReady(home: string, n: number): Promise<Record<string, unknown>[]> {
  let rows: Record<string, unknown>[] = [];
  for (let i = 0; i < 300 && rows.length < n; i++) {
    const r = await runCli(home, ["requests", "--json", "--limit", "1000"]);
    assert.equal(r.code, 0, r.stderr);
    rows = JSON.parse(r.stdout);
    if (rows.length < n) await new Promise((res) => setTimeout(res, 100));
  }
  return rows;
}

Deno.test("short-lived curl clients are attributed by header, rcfile and env", async (t) => {
  const fakes = await startFakeProviders();
  const home = await tempHome();
  const work = await Deno.makeTempDir({ prefix: "hm-short-lived-" });
  try {
    await initWithFreePorts(home.dir);
    const started = await runCli(home.dir, ["start"], fakes.env);
    assert.equal(started.code, 0, started.stderr);
    const proxyEnv = parseEnv((await runCli(home.dir, ["env", "--shell", "bash"])).stdout);
    assert.ok(proxyEnv.HTTPS_PROXY, "halton-meter env sets HTTPS_PROXY");

    for (const d of ["headed", "rc", "envdir"]) await Deno.mkdir(join(work, d));
    // The header must win over this directory's own file.
    await Deno.writeTextFile(join(work, "headed/.halton-meter.toml"), 'project = "not-this"\n');
    await Deno.writeTextFile(join(work, "rc/.halton-meter.toml"), 'project = "from-rcfile"\n');

    const cases: ClientCase[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      cases.push(
        {
          name: `header ${round}`,
          dir: "headed",
          args: ["-H", `X-Halton-Project: by-header-${round}`],
          env: {},
          want: `by-header-${round}:header`,
        },
        { name: `rcfile ${round}`, dir: "rc", args: [], env: {}, want: "from-rcfile:rcfile" },
        {
          name: `env ${round}`,
          dir: "envdir",
          args: [],
          env: { HALTON_METER_PROJECT: `from-env-${round}` },
          want: `from-env-${round}:env`,
        },
      );
    }

    for (const c of cases) {
      await t.step(`curl ${c.name}`, async () => {
        const out = await new Deno.Command("curl", {
          args: [
            "-sS",
            "--fail",
            "--max-time",
            "20",
            "https://api.openai.com/v1/chat/completions",
            "-H",
            `Authorization: Bearer ${SECRET}`,
            "-H",
            "content-type: application/json",
            ...c.args,
            "-d",
            CHAT,
          ],
          cwd: join(work, c.dir),
          env: { ...proxyEnv, HALTON_METER_PROJECT: "", ...c.env },
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
        assert.ok(JSON.parse(new TextDecoder().decode(out.stdout)).usage, "a real completion");
      });
    }

    const rows = await rowsWhenReady(home.dir, cases.length);
    await t.step("each row carries its client's project and method", () => {
      assert.equal(rows.length, cases.length);
      const got = rows.map((r) => `${r.project_id}:${r.attribution_method}`).sort();
      assert.deepEqual(got, cases.map((c) => c.want).sort());
      for (const r of rows) assert.ok(!JSON.stringify(r).includes(SECRET));
    });
  } finally {
    await runCli(home.dir, ["stop"]).catch(() => {});
    await home.cleanup();
    await fakes.close();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
});
