/** @module Append-only SQL migrations from `server/db/migrations/NNNN_name.sql`, applied under an advisory lock. */
import type { Sql } from "./pool.ts";

/** Advisory lock key shared by every server instance ("hmmigrat"). */
const LOCK_KEY = 0x686d6d69;

/** One migration file. */
export interface Migration {
  version: string;
  name: string;
  sql: string;
}

/** Reads the bundled migrations in order. */
export async function loadMigrations(): Promise<Migration[]> {
  const dir = new URL("./migrations/", import.meta.url);
  const out: Migration[] = [];
  for await (const e of Deno.readDir(dir)) {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(e.name);
    if (!e.isFile || !m) continue;
    out.push({ version: m[1], name: e.name, sql: await Deno.readTextFile(new URL(e.name, dir)) });
  }
  return out.sort((a, b) => a.version.localeCompare(b.version));
}

/** Applies every migration not yet applied, each in its own transaction. Returns the names applied. */
export async function migrate(sql: Sql): Promise<string[]> {
  const migrations = await loadMigrations();
  const applied: string[] = [];
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK_KEY})`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;
    const done = new Set(
      (await tx<{ version: string }[]>`SELECT version FROM schema_migrations`).map((r) =>
        r.version
      ),
    );
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await tx.unsafe(m.sql);
      await tx`INSERT INTO schema_migrations (version, name) VALUES (${m.version}, ${m.name})`;
      applied.push(m.name);
    }
  });
  return applied;
}
