/**
 * @module End-to-end: `halton-meter requests` reads SQLite directly (no daemon), newest first, in
 * the sync contract's field names; `--since` and `--limit` filter; and `trust` prints the OS
 * commands for the home's CA.
 */
import assert from "node:assert/strict";
import { Store, type StoredRow } from "../../daemon/store/store.ts";
import { makeRow } from "../../daemon/store/testing.ts";
import { RequestRow } from "../../shared/schemas/request_row.ts";
import { runCli, tempHome } from "./cli_helpers.ts";

function row(minutesAgo: number, over: Partial<StoredRow> = {}): StoredRow {
  return makeRow({
    timestamp: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    prompt_tokens: 1000,
    completion_tokens: 200,
    service_tier: null,
    cost_usd_millicents: 27,
    pricing_version: "test",
    provider_request_id: "chatcmpl-x",
    attribution_method: "rcfile",
    attribution_trail: "[]",
    hostname: "devbox",
    user_agent: "curl/8",
    source_workdir: "/home/me/billing",
    client_pid: 42,
    latency_ms: 300,
    ttfb_ms: 100,
    request_bytes: 120,
    response_bytes: 400,
    ...over,
  });
}

Deno.test("requests lists stored rows without a daemon", async (t) => {
  const home = await tempHome();
  try {
    await t.step("no database yet: an empty list", async () => {
      await Deno.mkdir(home.dir, { recursive: true });
      const r = await runCli(home.dir, ["requests", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), []);
    });
    const rows = [
      row(5, { project_id: "newest" }),
      row(30, {
        project_id: "middle",
        cost_usd_millicents: null,
        priced: false,
        usage_status: "missing",
      }),
      row(120, { project_id: "older" }),
      row(60 * 48, { project_id: "two-days-old" }),
    ];
    const store = Store.open(home.paths.db);
    store.insertBatch(rows);
    store.close();

    await t.step("default --since 24h, newest first, contract fields only", async () => {
      const r = await runCli(home.dir, ["requests", "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const got = JSON.parse(r.stdout) as Record<string, unknown>[];
      assert.deepEqual(got.map((g) => g.project_id), ["newest", "middle", "older"]);
      assert.deepEqual(Object.keys(got[0]).sort(), Object.keys(RequestRow.shape).sort());
      for (const g of got) assert.ok(RequestRow.safeParse(g).success);
      assert.equal(got[0].request_id, rows[0].request_id);
      assert.equal(got[1].cost_usd_millicents, null);
    });

    const cases: [string, string[], string[]][] = [
      ["--limit 2", ["--limit", "2"], ["newest", "middle"]],
      ["--since 1h", ["--since", "1h"], ["newest", "middle"]],
      ["--since 10m", ["--since", "10m"], ["newest"]],
      ["--since 3d", ["--since", "3d"], ["newest", "middle", "older", "two-days-old"]],
    ];
    for (const [name, args, expected] of cases) {
      await t.step(name, async () => {
        const r = await runCli(home.dir, ["requests", "--json", ...args]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(
          JSON.parse(r.stdout).map((g: { project_id: string }) => g.project_id),
          expected,
        );
      });
    }

    await t.step("the table shows usage, cost and unpriced rows", async () => {
      const r = await runCli(home.dir, ["requests"]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split("\n");
      assert.match(
        lines[0],
        /^TIME\s+PROVIDER\s+MODEL\s+STATUS\s+IN\s+OUT\s+COST\s+PROJECT\s+PATH$/,
      );
      assert.equal(lines.length, 4);
      assert.match(
        lines[1],
        /openai\s+gpt-4o-mini-2024-07-18\s+200\s+1000\s+200\s+\$0\.00027\s+newest/,
      );
      assert.match(lines[2], /\s+missing\s+middle/);
    });
  } finally {
    await home.cleanup();
  }
});

Deno.test("trust prints the commands for every OS", async (t) => {
  const home = await tempHome();
  try {
    await t.step("without a CA it says to run init, exit 1", async () => {
      const r = await runCli(home.dir, ["trust"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /run `halton-meter init` first/);
    });
    await t.step(
      "after init: macOS, Debian/Ubuntu and Fedora commands with the CA path",
      async () => {
        assert.equal((await runCli(home.dir, ["init"])).code, 0);
        const r = await runCli(home.dir, ["trust"]);
        assert.equal(r.code, 0, r.stderr);
        const ca = home.paths.caCert;
        assert.ok(
          r.stdout.includes(
            `security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${ca}`,
          ),
        );
        assert.ok(
          r.stdout.includes(
            `cp ${ca} /usr/local/share/ca-certificates/halton-meter.crt && sudo update-ca-certificates`,
          ),
        );
        assert.ok(
          r.stdout.includes(
            `cp ${ca} /etc/pki/ca-trust/source/anchors/halton-meter.pem && sudo update-ca-trust`,
          ),
        );
      },
    );
  } finally {
    await home.cleanup();
  }
});
