/** @module Report aggregation, overview, list, export and prune against a real SQLite store. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Store } from "./store.ts";
import {
  cloudPaired,
  GROUP_BY,
  iterateRows,
  listRequests,
  overview,
  parseRange,
  pruneApply,
  prunePlan,
  reportBy,
  totalOf,
} from "./reports.ts";
import { fixtureRows, missingRow, seedRow, unpricedRow } from "./reports_testing.ts";

const NOV = { since: "2026-11-01T00:00:00.000Z", until: "2026-12-01T00:00:00.000Z" };

async function withStore(fn: (s: Store, dir: string) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hm-reports-" });
  const store = Store.open(join(dir, "db.sqlite"));
  try {
    await fn(store, dir);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("report lines by every dimension, unpriced and missing counted apart", async (t) => {
  await withStore(async (store) => {
    const f = fixtureRows();
    store.insertBatch(f.rows, f.bodies);
    const inNov = f.rows.filter((r) => r.timestamp >= NOV.since && r.timestamp < NOV.until);
    // Expected totals computed independently from the seeded rows.
    const cost = inNov.reduce((a, r) => a + (r.cost_usd_millicents ?? 0), 0);
    const unpriced = inNov.filter((r) =>
      r.cost_usd_millicents === null && r.usage_status === "ok"
    ).length;
    const missing =
      inNov.filter((r) => r.cost_usd_millicents === null && r.usage_status !== "ok").length;
    const prompt = inNov.reduce((a, r) => a + (r.prompt_tokens ?? 0), 0);
    for (const by of GROUP_BY) {
      await t.step(`by ${by}`, () => {
        const lines = reportBy(store, by, NOV);
        const total = totalOf(lines);
        assert.equal(total.requests, inNov.length);
        assert.equal(total.cost_usd_millicents, cost);
        assert.equal(total.unpriced, unpriced);
        assert.equal(total.missing_usage, missing);
        assert.equal(total.prompt_tokens, prompt);
        assert.equal(total.priced + total.unpriced + total.missing_usage, total.requests);
        assert.equal(new Set(lines.map((l) => l.key)).size, lines.length);
      });
    }
    await t.step("by project: groups and null project", () => {
      const lines = reportBy(store, "project", NOV);
      const get = (k: string) => lines.find((l) => l.key === k)!;
      assert.deepEqual(lines.map((l) => l.key), ["beta", "alpha", "gamma", "unattributed"]);
      assert.equal(get("alpha").cost_usd_millicents, 12_400);
      assert.equal(get("beta").unpriced, 1);
      assert.equal(get("beta").cache_write_1h_tokens, 500);
      // An all-missing group has an unknown cost, never $0.
      assert.equal(get("unattributed").cost_usd_millicents, null);
      assert.equal(get("unattributed").missing_usage, 1);
    });
    await t.step("by day is chronological and UTC", () => {
      assert.deepEqual(reportBy(store, "day", NOV).map((l) => l.key), [
        "2026-11-08",
        "2026-11-09",
        "2026-11-10",
      ]);
    });
    await t.step("--project filter, incl. unattributed", () => {
      assert.equal(totalOf(reportBy(store, "model", { ...NOV, project: "beta" })).requests, 3);
      assert.equal(
        totalOf(reportBy(store, "model", { ...NOV, project: "unattributed" })).requests,
        1,
      );
    });
    await t.step("range is half-open", () => {
      const lines = reportBy(store, "day", {
        since: "2026-11-09T12:00:00.000Z",
        until: "2026-11-10T08:00:00.000Z",
      });
      assert.equal(totalOf(lines).requests, 2);
    });
    await t.step("overview equals per-dimension reports", () => {
      const ov = overview(store, NOV);
      assert.deepEqual(ov.byProject, reportBy(store, "project", NOV));
      assert.deepEqual(ov.byDay, reportBy(store, "day", NOV));
      assert.deepEqual(
        ov.byProvider.map((l) => [l.key, l.cost_usd_millicents]),
        reportBy(store, "provider", NOV).map((l) => [l.key, l.cost_usd_millicents]),
      );
      assert.deepEqual(ov.total, totalOf(reportBy(store, "model", NOV)));
    });
  });
});

Deno.test("request list filters and pages", async (t) => {
  await withStore(async (store) => {
    const f = fixtureRows();
    store.insertBatch(f.rows);
    const cases: [string, Parameters<typeof listRequests>[1], number][] = [
      ["all of November", { ...NOV, limit: 50, offset: 0 }, 8],
      ["project beta", { ...NOV, project: "beta", limit: 50, offset: 0 }, 3],
      ["provider anthropic", { ...NOV, provider: "anthropic", limit: 50, offset: 0 }, 1],
      ["model by requested fallback", { ...NOV, model: "mystery-model", limit: 50, offset: 0 }, 1],
      ["status error", { ...NOV, status: "error", limit: 50, offset: 0 }, 2],
      ["status unpriced", { ...NOV, status: "unpriced", limit: 50, offset: 0 }, 1],
      ["status missing", { ...NOV, status: "missing", limit: 50, offset: 0 }, 2],
      ["status ok", { ...NOV, status: "ok", limit: 50, offset: 0 }, 6],
    ];
    for (const [name, q, want] of cases) {
      await t.step(name, () => {
        const p = listRequests(store, q);
        assert.equal(p.total, want);
        assert.equal(p.rows.length, want);
      });
    }
    await t.step("pages are disjoint, newest first", () => {
      const a = listRequests(store, { ...NOV, limit: 3, offset: 0 });
      const b = listRequests(store, { ...NOV, limit: 3, offset: 3 });
      assert.equal(a.rows.length, 3);
      assert.ok(a.rows[2].timestamp >= b.rows[0].timestamp);
      assert.equal(new Set([...a.rows, ...b.rows].map((r) => r.request_id)).size, 6);
    });
  });
});

Deno.test("export iterates a range oldest first", async () => {
  await withStore((store) => {
    const f = fixtureRows();
    store.insertBatch(f.rows);
    const got = [...iterateRows(store, NOV)];
    assert.equal(got.length, 8);
    assert.deepEqual(got.map((r) => r.timestamp), [...got.map((r) => r.timestamp)].sort());
    assert.deepEqual(got[0], f.rows[0]);
  });
});

Deno.test("prune keeps unsynced rows of a paired store unless told", async (t) => {
  const cutoff = "2026-11-05T00:00:00.000Z";
  const old = [
    seedRow({ timestamp: "2026-10-01T00:00:00.000Z" }),
    unpricedRow({ timestamp: "2026-10-02T00:00:00.000Z" }),
    missingRow({ timestamp: "2026-10-03T00:00:00.000Z" }),
  ];
  const fresh = seedRow({ timestamp: "2026-11-10T00:00:00.000Z" });
  const body = (id: string) => ({
    request_id: id,
    direction: "request" as const,
    content_type: "application/json",
    content: new TextEncoder().encode("{}"),
    bytes: 2,
    truncated: false,
  });
  const count = (s: Store, table: string) =>
    Number((s.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);
  const cases = [
    {
      name: "not paired: everything old goes",
      paired: false,
      include: false,
      bodiesOnly: false,
      rows: 1,
      outbox: 1,
      bodies: 1,
    },
    {
      name: "paired: unsynced kept",
      paired: true,
      include: false,
      bodiesOnly: false,
      rows: 3,
      outbox: 3,
      bodies: 3,
    },
    {
      name: "paired + include unsynced",
      paired: true,
      include: true,
      bodiesOnly: false,
      rows: 1,
      outbox: 1,
      bodies: 1,
    },
    {
      name: "bodies only",
      paired: false,
      include: false,
      bodiesOnly: true,
      rows: 4,
      outbox: 3,
      bodies: 1,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      await withStore((store) => {
        store.insertBatch([...old, fresh], [...old, fresh].map((r) => body(r.request_id)));
        // Rows 0 was synced: it left the outbox.
        store.db.prepare("DELETE FROM outbox WHERE request_id = ?").run(old[0].request_id);
        if (c.paired) {
          store.db.prepare(
            "INSERT INTO cloud_state (id, api_key_ciphertext, base_url, workspace_id, machine_id, hostname, paired_at, updated_at) VALUES (1, 'x', 'https://x', 'w', 'm', 'h', 'now', 'now')",
          ).run();
        }
        assert.equal(cloudPaired(store), c.paired);
        const opts = { bodiesOnly: c.bodiesOnly, rowSync: c.paired, bodySync: false };
        const plan = prunePlan(store, cutoff, opts);
        assert.equal(plan.rows, c.bodiesOnly ? 0 : 3);
        assert.equal(plan.unsyncedRows, c.paired ? 2 : 0);
        // The plan alone deletes nothing.
        assert.equal(count(store, "requests"), 4);
        pruneApply(store, cutoff, { ...opts, includeUnsynced: c.include });
        assert.equal(count(store, "requests"), c.rows);
        assert.equal(count(store, "request_bodies"), c.bodies);
        assert.equal(count(store, "outbox"), c.outbox);
        assert.ok(store.getRequest(fresh.request_id));
      });
    });
  }
});

Deno.test("time ranges", async (t) => {
  const now = new Date("2026-11-22T12:00:00.000Z");
  const cases: [string, { since?: string; until?: string }, string | RegExp][] = [
    ["30d", { since: "30d" }, "2026-10-23T12:00:00.000Z|9999-12-31T23:59:59.999Z"],
    ["24h", { since: "24h" }, "2026-11-21T12:00:00.000Z|9999-12-31T23:59:59.999Z"],
    [
      "date + until",
      { since: "2026-11-01", until: "2026-11-02" },
      "2026-11-01T00:00:00.000Z|2026-11-02T00:00:00.000Z",
    ],
    [
      "iso with offset",
      { since: "2026-11-01T02:00:00+02:00" },
      "2026-11-01T00:00:00.000Z|9999-12-31T23:59:59.999Z",
    ],
    ["rolled-over date", { since: "2026-02-30" }, /Cannot parse --since "2026-02-30"/],
    ["words", { until: "tomorrow" }, /Cannot parse --until "tomorrow"/],
    ["seconds", { since: "90s" }, "2026-11-22T11:58:30.000Z|9999-12-31T23:59:59.999Z"],
    ["absurd duration", { since: "999999999d" }, /Cannot parse --since "999999999d"/],
    [
      "since after until",
      { since: "2026-11-10", until: "2026-11-01" },
      /--since 2026-11-10 .* is later than --until 2026-11-01/,
    ],
  ];
  for (const [name, opts, want] of cases) {
    await t.step(name, () => {
      const r = parseRange(opts, now);
      if (typeof want === "string") {
        assert.equal(r.ok ? `${r.value.since}|${r.value.until}` : r.error, want);
      } else assert.ok(!r.ok && want.test(r.error), JSON.stringify(r));
    });
  }
});
