/** @module The one postgres.js client factory: real Postgres from a URL, or embedded PGlite; plus throwaway test databases. */
import postgres from "postgres";
import { migrate } from "./migrate.ts";
import type { Logger } from "../log.ts";

/** The postgres.js client type used everywhere on the server. */
export type Sql = postgres.Sql<Record<string, never>>;

/** An open database: the client, which backend it is, and how to close both. */
export interface Database {
  sql: Sql;
  kind: "postgres" | "pglite";
  url: string;
  close(): Promise<void>;
}

/** Creates a postgres.js client with the server's conventions (int8 as number, quiet notices). */
export function createSql(url: string, opts: { max?: number } = {}): Sql {
  return postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    idle_timeout: 20,
    connect_timeout: 10,
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (x: number | bigint) => String(x),
        parse: (x: string) => Number(x),
      },
    },
  }) as unknown as Sql;
}

/**
 * Opens the server's database: `databaseUrl` set → postgres.js on real Postgres; unset →
 * embedded PGlite persisted under `dataDir`, served over a loopback socket (`max: 1`).
 * Logs which one it uses. Does not migrate.
 */
export async function openDatabase(
  opts: { databaseUrl?: string; dataDir: string; logger: Logger },
): Promise<Database> {
  if (opts.databaseUrl) {
    const sql = createSql(opts.databaseUrl);
    const u = new URL(opts.databaseUrl);
    opts.logger.info("Using PostgreSQL", {
      host: u.hostname,
      port: u.port,
      database: u.pathname.slice(1),
    });
    return { sql, kind: "postgres", url: opts.databaseUrl, close: () => sql.end({ timeout: 5 }) };
  }
  // Loaded only when needed: PGlite is large and Deno Deploy never uses it.
  const { startEmbeddedPostgres } = await import("./embedded.ts");
  const embedded = await startEmbeddedPostgres(opts.dataDir);
  const sql = createSql(embedded.url, { max: 1 });
  opts.logger.info("Using embedded PGlite (DATABASE_URL unset)", { data_dir: opts.dataDir });
  return {
    sql,
    kind: "pglite",
    url: embedded.url,
    async close() {
      await sql.end({ timeout: 5 });
      await embedded.close();
    },
  };
}

/** A freshly created and migrated database, dropped by `close()`. */
export interface TestDatabase {
  sql: Sql;
  url: string;
  name: string;
  close(): Promise<void>;
}

/** The Postgres URL tests use: `TEST_DATABASE_URL` or the local default. */
export function testDatabaseUrl(): string {
  return Deno.env.get("TEST_DATABASE_URL") ??
    "postgres://postgres:postgres@127.0.0.1:5432/postgres";
}

/**
 * Creates a uniquely named database `hm_test_<random>` on the server of `baseUrl`, migrates it,
 * and returns a client; `close()` ends the client and drops the database.
 */
export async function createTestDatabase(
  baseUrl: string = testDatabaseUrl(),
): Promise<TestDatabase> {
  const name = `hm_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = createSql(baseUrl, { max: 1 });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const sql = createSql(url, { max: 10 });
  try {
    await migrate(sql);
  } catch (e) {
    await sql.end();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    throw e;
  }
  return {
    sql,
    url,
    name,
    async close() {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end({ timeout: 5 });
    },
  };
}
