/** @module Ingest over the real API and Postgres: batches (validation, idempotency, re-pricing, unpriced, limits), bodies, daemon totals. */
import assert from "node:assert/strict";
import { bearerJson, makeRow, ManualClock, pairDevice, startTestServer } from "../testing.ts";
import { BatchResponse, MAX_BODY_BYTES } from "../../shared/schemas/mod.ts";

Deno.test("ingest", async (t) => {
  const clock = new ManualClock(new Date("2026-06-15T12:00:00Z"));
  const ts = await startTestServer({ clock });
  try {
    const acct = await ts.createAccount({
      email: "o@ingest.test",
      workspace: "Ingest",
      tier: "team",
    });
    const cookie = await ts.login("o@ingest.test");
    const dev = await pairDevice(ts, { cookie, workspaceId: acct.workspace.id });
    const batch = (rows: unknown[], machine_id = dev.machineId) =>
      ts.fetch(
        "/v1/requests/batch",
        bearerJson(dev.token, "POST", { schema_version: 1, machine_id, rows }),
      );
    const ts0 = "2026-06-15T11:00:00Z";

    await t.step("good batch: accepted, re-priced server-side, daemon cost kept", async () => {
      const rows = [
        makeRow({ timestamp: ts0, cost_usd_millicents: 1 }),
        makeRow({ timestamp: ts0 }),
      ];
      const res = await batch(rows);
      assert.equal(res.status, 200);
      const body = BatchResponse.parse(await res.json());
      assert.deepEqual(body, { accepted: 2, duplicates: 0, rejected: [], unpriced: 0 });
      const [r] = await ts.db
        .sql`SELECT cost_usd_millicents, daemon_cost_usd_millicents, unpriced, device_id
        FROM requests WHERE request_id = ${rows[0].request_id as string}`;
      // gpt-4o: 1000 × $2.50/M + 500 × $10/M = $0.0075 = 750 millicents.
      assert.equal(r.cost_usd_millicents, 750);
      assert.equal(r.daemon_cost_usd_millicents, 1);
      assert.equal(r.unpriced, false);
      const [d] = await ts.db.sql`SELECT last_sync_at FROM devices WHERE id = ${r.device_id}`;
      assert.equal(d.last_sync_at.toISOString(), clock.now().toISOString());
    });

    await t.step("replay is idempotent: all duplicates, nothing new", async () => {
      const rows = [makeRow({ timestamp: ts0 }), makeRow({ timestamp: ts0 })];
      assert.equal((await (await batch(rows)).json()).accepted, 2);
      const again = await (await batch(rows)).json();
      assert.deepEqual(again, { accepted: 0, duplicates: 2, rejected: [], unpriced: 0 });
      const inBatch = makeRow({ timestamp: ts0 });
      assert.deepEqual(await (await batch([inBatch, inBatch])).json(), {
        accepted: 1,
        duplicates: 1,
        rejected: [],
        unpriced: 0,
      });
    });

    const badRows: [string, Record<string, unknown>, RegExp][] = [
      ["request_id not a uuid", makeRow({ request_id: "nope" }), /request_id/],
      ["negative tokens", makeRow({ prompt_tokens: -1 }), /prompt_tokens/],
      ["missing timestamp", makeRow({ timestamp: undefined }), /timestamp/],
      ["fractional cost", makeRow({ cost_usd_millicents: 1.5 }), /cost_usd_millicents/],
    ];
    for (const [name, row, re] of badRows) {
      await t.step(`a bad row is rejected alone: ${name}`, async () => {
        const good = makeRow({ timestamp: ts0 });
        const res = await batch([good, row]);
        assert.equal(res.status, 200);
        const body = await res.json();
        assert.equal(body.accepted, 1);
        assert.equal(body.rejected.length, 1);
        assert.equal(
          body.rejected[0].request_id,
          typeof row.request_id === "string" ? row.request_id : null,
        );
        assert.match(body.rejected[0].error, re);
      });
    }

    const badEnvelopes: [string, unknown, number][] = [
      ["wrong schema_version", { schema_version: 2, machine_id: "x", rows: [] }, 422],
      ["rows not an array", { schema_version: 1, machine_id: "x", rows: {} }, 422],
      ["missing machine_id", { schema_version: 1, rows: [] }, 422],
    ];
    for (const [name, body, status] of badEnvelopes) {
      await t.step(`bad envelope: ${name} → ${status} with a readable message`, async () => {
        const res = await ts.fetch("/v1/requests/batch", bearerJson(dev.token, "POST", body));
        assert.equal(res.status, status);
        const e = await res.json();
        assert.equal(e.error.code, "validation_failed");
        assert.match(e.error.message, /^Invalid batch envelope: /);
      });
    }

    await t.step("not JSON → 400", async () => {
      const res = await ts.fetch("/v1/requests/batch", {
        method: "POST",
        headers: { authorization: `Bearer ${dev.token}`, "content-type": "application/json" },
        body: "{nope",
      });
      assert.equal(res.status, 400);
    });

    await t.step("more than 1000 rows → 413", async () => {
      const rows = Array.from({ length: 1001 }, () => makeRow({ timestamp: ts0 }));
      const res = await batch(rows);
      assert.equal(res.status, 413);
      assert.equal((await res.json()).error.code, "payload_too_large");
    });

    await t.step("1000 rows is fine", async () => {
      const rows = Array.from({ length: 1000 }, () => makeRow({ timestamp: ts0 }));
      assert.equal((await (await batch(rows)).json()).accepted, 1000);
    });

    await t.step("too many bytes → 413", async () => {
      const huge = "x".repeat(17 * 1024 * 1024);
      const res = await ts.fetch(
        "/v1/requests/batch",
        bearerJson(dev.token, "POST", {
          schema_version: 1,
          machine_id: dev.machineId,
          rows: [huge],
        }),
      );
      assert.equal(res.status, 413);
    });

    await t.step("machine_id of another machine → 403", async () => {
      const res = await batch([makeRow()], "someone-else");
      assert.equal(res.status, 403);
    });

    await t.step("unknown model → cost null, unpriced, excluded from sums, counted", async () => {
      const ws = await ts.createAccount({ email: "o2@ingest.test", workspace: "Unpriced" });
      const c2 = await ts.login("o2@ingest.test");
      const d2 = await pairDevice(ts, { cookie: c2, workspaceId: ws.workspace.id });
      const rows = [
        makeRow({ timestamp: ts0, model: "no-such-model-9000", cost_usd_millicents: 999 }),
        makeRow({
          timestamp: ts0,
          usage_status: "missing",
          prompt_tokens: null,
          completion_tokens: null,
        }),
        makeRow({ timestamp: ts0 }),
      ];
      const res = await ts.fetch(
        "/v1/requests/batch",
        bearerJson(d2.token, "POST", { schema_version: 1, machine_id: d2.machineId, rows }),
      );
      assert.deepEqual(await res.json(), { accepted: 3, duplicates: 0, rejected: [], unpriced: 2 });
      const ov = await (await ts.fetch(
        `/v1/workspaces/${ws.workspace.id}/overview?from=2026-06-15&to=2026-06-15`,
        { headers: { cookie: c2 } },
      )).json();
      assert.equal(ov.unpriced_count, 2);
      assert.equal(ov.totals.requests, 3);
      assert.equal(ov.totals.cost_usd_millicents, 750);
      const [r] = await ts.db
        .sql`SELECT cost_usd_millicents, unpriced FROM requests WHERE request_id = ${rows[0]
        .request_id as string}`;
      assert.deepEqual({ ...r }, { cost_usd_millicents: null, unpriced: true });
    });

    await t.step("re-pricing honours pricing_rates effective dates", async () => {
      const [base] = await ts.db
        .sql`SELECT rate FROM pricing_rates WHERE provider = 'openai' AND model = 'gpt-4o'`;
      const rate = { ...base.rate, input: 5, output: 20, effective_from: "2026-06-01" };
      await ts.db
        .sql`INSERT INTO pricing_rates (provider, model, effective_from, pricing_version, rate)
        VALUES ('openai', 'gpt-4o', '2026-06-01', 'test-2', ${ts.db.sql.json(rate)})`;
      ts.deps.prices.invalidate();
      const before = makeRow({ timestamp: "2026-05-31T23:59:59Z" });
      const after = makeRow({ timestamp: "2026-06-01T00:00:00Z" });
      await batch([before, after]);
      const rows = await ts.db.sql`SELECT request_id, cost_usd_millicents FROM requests
        WHERE request_id IN (${before.request_id as string}, ${after.request_id as string})`;
      const cost = Object.fromEntries(rows.map((r) => [r.request_id, r.cost_usd_millicents]));
      assert.equal(cost[before.request_id as string], 750);
      assert.equal(cost[after.request_id as string], 1500); // 1000 × $5/M + 500 × $20/M
      await ts.db.sql`DELETE FROM pricing_rates WHERE pricing_version = 'test-2'`;
      ts.deps.prices.invalidate();
    });

    await t.step(
      "bodies: stored, 404 for an unknown request, redaction_applied OR-merged, ≤512 KiB",
      async () => {
        const row = makeRow({ timestamp: ts0 });
        const up = (id: string, body: unknown) =>
          ts.fetch(`/v1/requests/${id}/body`, bearerJson(dev.token, "POST", body));
        const unknown = await up(row.request_id as string, {
          direction: "request",
          content: "hi",
          redaction_applied: false,
        });
        assert.equal(unknown.status, 404);
        await batch([row]);
        const a = await up(row.request_id as string, {
          direction: "request",
          content: "hello",
          redaction_applied: true,
        });
        assert.equal(a.status, 200);
        assert.deepEqual(await a.json(), {
          request_id: row.request_id,
          direction: "request",
          bytes: 5,
          redaction_applied: true,
        });
        const b = await up(row.request_id as string, {
          direction: "request",
          content: "hello2",
          redaction_applied: false,
        });
        assert.equal((await b.json()).redaction_applied, true, "OR-merged: stays true");
        const max = await up(row.request_id as string, {
          direction: "response",
          content: "é".repeat(MAX_BODY_BYTES / 2),
          redaction_applied: false,
        });
        assert.equal(max.status, 200);
        const over = await up(row.request_id as string, {
          direction: "response",
          content: "x".repeat(MAX_BODY_BYTES + 1),
          redaction_applied: false,
        });
        assert.equal(over.status, 413);
        const bad = await up(row.request_id as string, {
          direction: "sideways",
          content: "x",
          redaction_applied: false,
        });
        assert.equal(bad.status, 422);
        const badId = await up("not-a-uuid", {
          direction: "request",
          content: "x",
          redaction_applied: false,
        });
        assert.equal(badId.status, 404);
      },
    );

    await t.step("daemon totals: upserted per device", async () => {
      const post = (days: unknown) =>
        ts.fetch("/v1/reconciliation/daemon-totals", bearerJson(dev.token, "POST", { days }));
      const day = {
        date: "2026-06-15",
        provider: "openai",
        model: "gpt-4o",
        cost_usd_millicents: 100,
        rows: 2,
      };
      assert.deepEqual(await (await post([day, { ...day, model: null }])).json(), { upserted: 2 });
      assert.deepEqual(await (await post([{ ...day, cost_usd_millicents: 300, rows: 5 }])).json(), {
        upserted: 1,
      });
      const rows = await ts.db
        .sql`SELECT model, cost_usd_millicents, rows FROM daemon_totals ORDER BY model`;
      assert.deepEqual(rows.map((r) => ({ ...r })), [
        { model: "", cost_usd_millicents: 100, rows: 2 },
        { model: "gpt-4o", cost_usd_millicents: 300, rows: 5 },
      ]);
      assert.equal((await post([{ ...day, date: "15/06/2026" }])).status, 422);
    });
  } finally {
    await ts.close();
  }
});
