/** @module `pricing` and `reprice` commands: real SQLite, the real binary entry point in a child process. */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { defaultPriceTable, withOverrides } from "../../shared/pricing/mod.ts";
import { Store, type StoredRow } from "../store/store.ts";
import { makeRow } from "../store/testing.ts";
import { reprice } from "./reprice.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function cli(
  home: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const p = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { HALTON_METER_HOME: home, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  });
  const r = await p.output();
  return {
    code: r.code,
    out: new TextDecoder().decode(r.stdout),
    err: new TextDecoder().decode(r.stderr),
  };
}

function row(over: Partial<StoredRow>): StoredRow {
  return makeRow({
    timestamp: "2026-08-01T00:00:00.000Z",
    prompt_tokens: 1_000_000,
    completion_tokens: 0,
    reasoning_tokens: null,
    web_search_requests: null,
    service_tier: null,
    cost_usd_millicents: 1,
    pricing_version: "old",
    provider_request_id: null,
    project_id: "p",
    attribution_method: "default",
    attribution_trail: null,
    hostname: "h",
    prompt_hash: null,
    user_agent: null,
    source_workdir: null,
    client_pid: null,
    latency_ms: 10,
    ttfb_ms: 5,
    request_bytes: 10,
    response_bytes: 10,
    ...over,
  });
}

Deno.test("reprice: re-costs rows with the current table and overrides, reports before/after", async (t) => {
  const dir = await Deno.makeTempDir();
  const store = Store.open(join(dir, "db.sqlite"));
  try {
    const stale = row({});
    const unknown = row({
      model: "my-finetune",
      requested_model: "my-finetune",
      cost_usd_millicents: null,
      priced: false,
    });
    const missing = row({
      usage_status: "missing",
      prompt_tokens: null,
      cost_usd_millicents: null,
      priced: false,
    });
    const old = row({ timestamp: "2020-01-01T00:00:00.000Z" });
    store.insertBatch([
      stale,
      unknown,
      missing,
      old,
      row({ provider: null, cost_usd_millicents: null, priced: false }),
    ]);

    await t.step("bundled table fixes the stale cost; unknown and missing stay unpriced", () => {
      const s = reprice(store, defaultPriceTable(), "2026-01-01T00:00:00.000Z");
      equal(s.rows, 3);
      deepStrictEqual(s.before, { total_millicents: 1, priced: 1, unpriced: 2 });
      deepStrictEqual(s.after, { total_millicents: 15_000, priced: 1, unpriced: 2 });
      equal(s.changed, 1);
      equal(s.still_unpriced, 2);
      const got = store.getRequest(stale.request_id)!;
      equal(got.cost_usd_millicents, 15_000);
      equal(got.pricing_version, defaultPriceTable().version);
      equal(store.getRequest(old.request_id)!.cost_usd_millicents, 1); // outside --days window
    });

    await t.step("an override prices the unknown model", () => {
      const t2 = withOverrides(defaultPriceTable(), {
        "openai/my-finetune": { input_per_mtok_usd: 2, output_per_mtok_usd: 8 },
      });
      ok(t2.ok);
      const s = reprice(store, t2.value, null);
      equal(s.rows, 4);
      equal(s.changed, 2); // my-finetune priced now; the 2020 row fixed
      equal(store.getRequest(unknown.request_id)!.cost_usd_millicents, 200_000);
      equal(store.getRequest(unknown.request_id)!.priced, true);
      equal(store.getRequest(missing.request_id)!.cost_usd_millicents, null);
    });
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pricing and reprice commands", async (t) => {
  const home = await Deno.makeTempDir();
  try {
    await t.step("pricing show prints per-class prices, tier, source and date", async () => {
      const r = await cli(home, ["pricing", "show", "claude-sonnet-4-5"]);
      equal(r.code, 0, r.err);
      ok(r.out.includes("anthropic/claude-sonnet-4-5-20250929"));
      ok(r.out.includes("cache write 1h  $6"));
      ok(r.out.includes("above 200000 input tokens"));
      ok(r.out.includes("source (2026-07-24)"));
    });
    await t.step("pricing show --json of a dated snapshot", async () => {
      const r = await cli(home, ["pricing", "show", "gpt-4o-mini-2024-07-18", "--json"]);
      equal(r.code, 0, r.err);
      const j = JSON.parse(r.out);
      equal(j.model, "gpt-4o-mini");
      equal(j.input, 0.15);
    });
    await t.step("pricing show of an unknown model: one-line error, exit 1", async () => {
      const r = await cli(home, ["pricing", "show", "gpt-99"]);
      equal(r.code, 1);
      equal(r.err.trim().split("\n").length, 1);
      ok(r.err.includes('Unknown model "gpt-99"'));
    });
    await t.step("pricing list --provider --json includes config overrides", async () => {
      await Deno.writeTextFile(
        join(home, "config.toml"),
        '[pricing.overrides."groq/my-model"]\ninput_per_mtok_usd = 1\noutput_per_mtok_usd = 2\n',
      );
      const r = await cli(home, ["pricing", "list", "--provider", "groq", "--json"]);
      equal(r.code, 0, r.err);
      const j = JSON.parse(r.out);
      equal(j.rows.length, 7);
      ok(j.rows.some((x: { model: string }) => x.model === "my-model"));
      ok(j.version.includes("+o."));
    });
    await t.step("bad override in config: one-line error, exit 1", async () => {
      await Deno.writeTextFile(
        join(home, "config.toml"),
        '[pricing.overrides."nope/x"]\ninput_per_mtok_usd = 1\noutput_per_mtok_usd = 2\n',
      );
      for (const args of [["pricing", "list"], ["reprice"]]) {
        const r = await cli(home, args);
        equal(r.code, 1);
        ok(r.err.includes('unknown provider "nope"'), r.err);
      }
      await Deno.remove(join(home, "config.toml"));
    });
    await t.step("reprice --days prints the before/after totals", async () => {
      const store = Store.open(join(home, "db.sqlite"));
      store.insertBatch([row({ timestamp: new Date().toISOString() })]);
      store.close();
      const r = await cli(home, ["reprice", "--days", "7"]);
      equal(r.code, 0, r.err);
      ok(r.out.includes("Before: $0.00001 (1 priced, 0 unpriced)"), r.out);
      ok(r.out.includes("After:  $0.15000 (1 priced, 0 unpriced)"), r.out);
      equal((await cli(home, ["reprice", "--days", "x"])).code, 1);
    });
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
