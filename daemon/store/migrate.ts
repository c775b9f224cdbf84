/** @module Append-only SQLite migrations: files `migrations/NNNN_name.sql`, applied in order, once. */
import type { DatabaseSync } from "node:sqlite";

const DIR = new URL("./migrations/", import.meta.url);

/** Lists migration files in order. Files are never edited once landed; add a new one instead. */
export function listMigrations(): { version: number; name: string; sql: string }[] {
  const out: { version: number; name: string; sql: string }[] = [];
  for (const e of Deno.readDirSync(DIR)) {
    const m = /^(\d{4})_[a-z0-9_]+\.sql$/.exec(e.name);
    if (!e.isFile || !m) continue;
    out.push({
      version: Number(m[1]),
      name: e.name,
      sql: Deno.readTextFileSync(new URL(e.name, DIR)),
    });
  }
  out.sort((a, b) => a.version - b.version);
  for (let i = 1; i < out.length; i++) {
    if (out[i].version === out[i - 1].version) {
      throw new Error(
        `Duplicate migration version ${out[i].version}: ${out[i - 1].name}, ${out[i].name}`,
      );
    }
  }
  return out;
}

/** Applies every pending migration, each in its own transaction. Returns the versions applied. */
export function migrate(db: DatabaseSync): number[] {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
  );
  const done = new Set(
    (db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) =>
      r.version
    ),
  );
  const applied: number[] = [];
  for (const m of listMigrations()) {
    if (done.has(m.version)) continue;
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
        .run(m.version, m.name, new Date().toISOString());
      db.exec("COMMIT");
      applied.push(m.version);
    } catch (e) {
      db.exec("ROLLBACK");
      throw new Error(`Migration ${m.name} failed: ${(e as Error).message}`);
    }
  }
  return applied;
}
