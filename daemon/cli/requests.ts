/**
 * @module `halton-meter requests [--since 24h] [--limit N] [--json]`: captured rows, newest first,
 * in the sync contract's shape. Reads SQLite directly, so it works whether or not the daemon runs.
 */
import type { Command } from "commander";
import { homePaths } from "../home.ts";
import { Store, type StoredRow } from "../store/store.ts";
import { RequestRow } from "../../shared/schemas/request_row.ts";
import { formatUsd } from "../../shared/money.ts";
import { CliError } from "./errors.ts";

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** Parses `--since`: a duration back from now (`90s`, `30m`, `24h`, `7d`, `2w`), a local date (`2026-11-01`) or an ISO-8601 time. */
export function parseSince(value: string, now: Date = new Date()): Date {
  const dur = /^(\d+)([smhdw])$/.exec(value);
  if (dur) return new Date(now.getTime() - Number(dur[1]) * UNIT_MS[dur[2]]);
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (day) {
    const d = new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    if (
      d.getFullYear() === Number(day[1]) && d.getMonth() === Number(day[2]) - 1 &&
      d.getDate() === Number(day[3])
    ) {
      return d;
    }
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value))) {
    return new Date(value);
  }
  throw new CliError(
    `Invalid --since "${value}": use a duration like 30m, 24h, 7d or a date like 2026-11-01`,
  );
}

/** Parses `--limit`: an integer 1-100000. */
export function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 100_000) {
    throw new CliError(`Invalid --limit "${value}": must be an integer 1-100000`);
  }
  return n;
}

const WIRE_KEYS = Object.keys(RequestRow.shape) as (keyof RequestRow & keyof StoredRow)[];

/** A stored row in the sync contract's field names (every field, none redacted: this is local). */
export function toContractShape(row: StoredRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of WIRE_KEYS) out[k] = row[k] ?? null;
  return out;
}

/** Reads rows from the database file; an absent database has no rows. */
export function readRows(dbPath: string, since: Date, limit: number): StoredRow[] {
  try {
    Deno.statSync(dbPath);
  } catch {
    return [];
  }
  const store = Store.open(dbPath);
  try {
    return store.listRequests({ since: since.toISOString(), limit });
  } finally {
    store.close();
  }
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

/** A fixed-width table of rows. */
export function formatTable(rows: StoredRow[]): string[] {
  const head = ["TIME", "PROVIDER", "MODEL", "STATUS", "IN", "OUT", "COST", "PROJECT", "PATH"];
  const body = rows.map((r) => [
    new Date(r.timestamp).toLocaleString("sv-SE").slice(0, 19),
    r.provider ?? "-",
    r.model ?? r.requested_model ?? "-",
    r.status_code === null ? "-" : String(r.status_code),
    r.prompt_tokens === null ? "-" : String(r.prompt_tokens),
    r.completion_tokens === null ? "-" : String(r.completion_tokens),
    r.cost_usd_millicents === null
      ? (r.usage_status && r.usage_status !== "ok" ? r.usage_status : "unpriced")
      : formatUsd(r.cost_usd_millicents),
    r.project_id ?? "-",
    r.path.length > 48 ? r.path.slice(0, 47) + "…" : r.path,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((cells) =>
    cells.map((c, i) => pad(c, widths[i])).join("  ").trimEnd()
  );
}

/** Registers `requests`. */
export function register(program: Command): void {
  program
    .command("requests")
    .description("list captured requests, newest first (reads the database directly)")
    .option("--since <when>", "duration (30m, 24h, 7d) or date (2026-11-01)", "24h")
    .option("--limit <n>", "maximum rows (1-100000)", "100")
    .option("--json", "print a JSON array in the sync contract's field names")
    .action((opts: { since: string; limit: string; json?: boolean }) => {
      const since = parseSince(opts.since);
      const limit = parseLimit(opts.limit);
      const rows = readRows(homePaths().db, since, limit);
      if (opts.json) {
        console.log(JSON.stringify(rows.map(toContractShape), null, 2));
        return;
      }
      if (rows.length === 0) {
        console.log(`No requests since ${since.toISOString()}.`);
        return;
      }
      for (const line of formatTable(rows)) console.log(line);
    });
}
