/**
 * @module Attribution through the real daemon: client processes (with a git repo, an env var, a
 * corrupt `.halton-meter.toml`) and curl (path label, header) call the fake providers in base-URL
 * mode; the stored rows carry the expected project and method, `report --by attribution` counts
 * them, and the daemon's own dashboard serves them (overview, list, detail with the trail).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startFakeProviders } from "../fakes/mod.ts";
import { initWithFreePorts, runCli, tempHome } from "./cli_helpers.ts";

const SECRET = "sk-test-attribution-SECRET0123456789";
const CHAT = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });

/** A `deno eval` client that calls the API once and keeps its connection open until stdin closes. */
async function startClient(cwd: string, base: string, env: Record<string, string>) {
  const code = `
    const r = await fetch(${JSON.stringify(base + "/v1/chat/completions")}, {
      method: "POST",
      headers: { authorization: "Bearer ${SECRET}", "content-type": "application/json" },
      body: ${JSON.stringify(CHAT)},
    });
    console.log(JSON.stringify({ status: r.status, body: await r.text() }));
    await Deno.stdin.read(new Uint8Array(1));`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    cwd,
    env: { HALTON_METER_PROJECT: "", ...env },
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
  return {
    status: JSON.parse(out).status as number,
    async close() {
      await child.stdin.close();
      await reader.cancel();
      await child.status;
    },
  };
}

async function rowsWhenReady(home: string, n: number): Promise<Record<string, unknown>[]> {
  let rows: Record<string, unknown>[] = [];
  for (let i = 0; i < 150 && rows.length < n; i++) {
    const r = await runCli(home, ["export", "--format", "jsonl"]);
    rows = r.stdout.trim() ? r.stdout.trim().split("\n").map((l) => JSON.parse(l)) : [];
    if (rows.length < n) await new Promise((res) => setTimeout(res, 100));
  }
  return rows;
}

Deno.test("the daemon attributes real clients, reports them and shows them on its dashboard", async (t) => {
  const fakes = await startFakeProviders();
  const home = await tempHome();
  const work = await Deno.makeTempDir({ prefix: "hm-attr-e2e-" });
  const clients: { close(): Promise<void> }[] = [];
  try {
    await initWithFreePorts(home.dir);
    const started = await runCli(home.dir, ["start"], fakes.env);
    assert.equal(started.code, 0, started.stderr);
    const envOut = (await runCli(home.dir, ["env", "--shell", "bash", "--base-url"])).stdout;
    const openaiBase = /^export OPENAI_BASE_URL='([^']+)'$/m.exec(envOut)![1];
    const root = openaiBase.replace(/\/openai\/v1$/, "");

    await Deno.mkdir(join(work, "repo/.git"), { recursive: true });
    await Deno.mkdir(join(work, "repo/src"));
    await Deno.writeTextFile(
      join(work, "repo/.git/config"),
      '[remote "origin"]\n\turl = git@github.com:acme/Billing-API.git\n',
    );
    await Deno.mkdir(join(work, "plain"));
    await Deno.mkdir(join(work, "broken"));
    await Deno.writeTextFile(join(work, "broken/.halton-meter.toml"), "project = \n");

    await t.step("clients and curl", async () => {
      const cases: [string, Record<string, string>][] = [
        ["repo/src", {}],
        ["plain", { HALTON_METER_PROJECT: "from-env" }],
        ["broken", { HALTON_METER_PROJECT: "after-broken" }],
      ];
      for (const [dir, env] of cases) {
        const c = await startClient(join(work, dir), openaiBase, env);
        clients.push(c);
        assert.equal(c.status, 200);
      }
      for (
        const args of [[`${root}/p/labelled/openai/v1/chat/completions`], [
          `${openaiBase}/chat/completions`,
          "-H",
          "X-Halton-Project: by-header",
        ]]
      ) {
        const out = await new Deno.Command("curl", {
          args: [
            "-sS",
            "--fail",
            "--max-time",
            "20",
            "-H",
            `Authorization: Bearer ${SECRET}`,
            "-H",
            "content-type: application/json",
            "-d",
            CHAT,
            ...args,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      }
    });

    const rows = await rowsWhenReady(home.dir, 5);
    for (const c of clients) await c.close();

    await t.step("rows carry the winning resolver", () => {
      const got = rows.map((r) => `${r.project_id}:${r.attribution_method}`).sort();
      assert.deepEqual(got, [
        "after-broken:env",
        "billing-api:git",
        "by-header:header",
        "from-env:env",
        "labelled:path_label",
      ]);
      const git = rows.find((r) => r.attribution_method === "git")!;
      assert.equal(git.source_workdir, join(work, "repo/src"));
      assert.ok(Number(git.client_pid) > 0);
      const broken = rows.find((r) => r.project_id === "after-broken")!;
      const trail = JSON.parse(String(broken.attribution_trail));
      assert.match(
        trail.find((a: { resolver: string }) => a.resolver === "rcfile").detail,
        /^Cannot parse .*broken\/\.halton-meter\.toml/,
      );
      for (const r of rows) assert.ok(!JSON.stringify(r).includes(SECRET));
    });

    await t.step("report --by attribution counts them", async () => {
      const r = await runCli(home.dir, [
        "report",
        "--since",
        "1h",
        "--by",
        "attribution",
        "--format",
        "json",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      const count = Object.fromEntries(
        doc.rows.map((l: { key: string; requests: number }) => [l.key, l.requests]),
      );
      assert.deepEqual(count, { env: 2, git: 1, header: 1, path_label: 1 });
      assert.equal(doc.total.requests, 5);
    });

    await t.step("the daemon's dashboard serves them", async () => {
      const runtime = JSON.parse(await Deno.readTextFile(home.paths.runtime));
      const dash = `http://127.0.0.1:${runtime.dashboard.port}`;
      const ov = await fetch(`${dash}/?period=24h`);
      const ovText = await ov.text();
      assert.equal(ov.status, 200);
      for (const p of ["billing-api", "from-env", "after-broken", "labelled", "by-header"]) {
        assert.ok(ovText.includes(`data-key="${p}"`), p);
      }
      const git = rows.find((r) => r.attribution_method === "git")!;
      const detail = await fetch(`${dash}/requests/${git.request_id}`);
      const html = await detail.text();
      assert.equal(detail.status, 200);
      assert.match(html, /data-testid="method">git</);
      assert.match(html, /origin git@github\.com:acme\/Billing-API\.git/);
      const css = await fetch(`${dash}/assets/dashboard.css`);
      assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
      await css.body?.cancel();
    });
  } finally {
    for (const c of clients) await c.close().catch(() => {});
    await runCli(home.dir, ["stop"]).catch(() => {});
    await home.cleanup();
    await fakes.close();
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
});
