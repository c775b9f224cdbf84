/** @module A small fixed-window limiter stored in Postgres, so every server instance shares it. */
import type { Sql } from "../db/pool.ts";

/** A limit: at most `max` hits per `windowMs`. */
export interface Limit {
  key: string;
  max: number;
  windowMs: number;
}

/** Seconds until the oldest hit in the window expires, or 0 when under the limit. */
export async function retryAfter(sql: Sql, limit: Limit, now: Date): Promise<number> {
  const since = new Date(now.getTime() - limit.windowMs);
  const [r] = await sql<{ n: number; oldest: Date | null }[]>`
    SELECT count(*)::int AS n, min(at) AS oldest FROM rate_limit_events
    WHERE key = ${limit.key} AND at > ${since}`;
  if (r.n < limit.max || !r.oldest) return 0;
  return Math.max(1, Math.ceil((r.oldest.getTime() + limit.windowMs - now.getTime()) / 1000));
}

/** Records one hit against each key (and prunes hits older than a day). */
export async function hit(sql: Sql, keys: string[], now: Date): Promise<void> {
  if (keys.length === 0) return;
  await sql`INSERT INTO rate_limit_events (key, at) SELECT k, ${now}::timestamptz FROM unnest(${
    sql.array(keys, 25)
  }::text[]) AS k`;
  await sql`DELETE FROM rate_limit_events WHERE at < ${new Date(now.getTime() - 86_400_000)}`;
}
