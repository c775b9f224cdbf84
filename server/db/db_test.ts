/** @module Database layer on real Postgres: migrations (idempotent, concurrent under the advisory lock), the append-only audit trigger, pricing seed. */
import assert from "node:assert/strict";
import { createSql, createTestDatabase } from "./pool.ts";
import { loadMigrations, migrate } from "./migrate.ts";
import { loadPriceTable, seedPricingRates } from "../services/pricing.ts";
import { defaultPriceTable } from "../../shared/pricing/mod.ts";

Deno.test("database layer", async (t) => {
  const db = await createTestDatabase();
  try {
    await t.step(
      "migrations: every file opens with a comment saying why; re-running applies nothing",
      async () => {
        for (const m of await loadMigrations()) assert.match(m.sql, /^-- \d{4}_\w+: /, m.name);
        assert.deepEqual(await migrate(db.sql), []);
        const rows = await db.sql`SELECT version FROM schema_migrations ORDER BY version`;
        assert.deepEqual(
          rows.map((r) => r.version),
          (await loadMigrations()).map((m) => m.version),
        );
      },
    );

    await t.step("migrations: concurrent runners serialise on the advisory lock", async () => {
      const fresh = await createTestDatabase();
      try {
        await fresh.sql.unsafe("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
        const others = [createSql(fresh.url, { max: 1 }), createSql(fresh.url, { max: 1 })];
        const results = await Promise.all([migrate(fresh.sql), ...others.map((s) => migrate(s))]);
        await Promise.all(others.map((s) => s.end()));
        assert.equal(
          results.flat().length,
          (await loadMigrations()).length,
          "each migration applied once",
        );
      } finally {
        await fresh.close();
      }
    });

    await t.step("audit_events rejects UPDATE, DELETE and TRUNCATE", async () => {
      await db.sql`INSERT INTO audit_events (actor_type, action) VALUES ('system', 'test.event')`;
      for (
        const q of [
          "UPDATE audit_events SET action = 'x'",
          "DELETE FROM audit_events",
          "TRUNCATE audit_events",
        ]
      ) {
        await assert.rejects(() => db.sql.unsafe(q), /append-only/, q);
      }
      const [n] = await db
        .sql`SELECT count(*)::int AS n FROM audit_events WHERE action = 'test.event'`;
      assert.equal(n.n, 1);
    });

    await t.step(
      "pricing_rates seed is idempotent and round-trips into a price table",
      async () => {
        const table = defaultPriceTable();
        const first = await seedPricingRates(db.sql, table);
        assert.equal(first, table.rows.length);
        assert.equal(await seedPricingRates(db.sql, table), 0);
        const loaded = await loadPriceTable(db.sql);
        assert.equal(loaded.rows.length, table.rows.length);
        const a = table.rows.find((r) => r.model === "gpt-4o")!;
        const b = loaded.rows.find((r) => r.model === "gpt-4o")!;
        assert.deepEqual(b, a);
      },
    );
  } finally {
    await db.close();
  }
});
