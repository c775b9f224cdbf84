/**
 * @module Output helpers for `report`, `export` and `prune`: aligned tables (colour only on a TTY
 * without NO_COLOR), RFC 4180 CSV, and opening the store read-side without the daemon.
 */
import { existsSync } from "node:fs";
import { type Config, loadConfig } from "../config.ts";
import { type HomePaths, homePaths } from "../home.ts";
import { openDb, Store } from "../store/store.ts";
import { CliError } from "./errors.ts";

/** Whether stdout gets ANSI colour. */
export function useColour(): boolean {
  return Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
}

/** ANSI helpers that are no-ops without colour. */
export function paint(
  on: boolean,
): { bold(s: string): string; dim(s: string): string; warn(s: string): string } {
  const wrap = (code: string) => (s: string) => on ? `\x1b[${code}m${s}\x1b[0m` : s;
  return { bold: wrap("1"), dim: wrap("2"), warn: wrap("33") };
}

/**
 * Renders rows as an aligned table: first column left-aligned, the rest right-aligned, a rule
 * under the header and above the last row when `totalsRow`.
 */
export function renderTable(
  header: string[],
  rows: string[][],
  opts: {
    totalsRow: boolean;
    colour: boolean;
    highlight?: (col: number, cell: string) => boolean;
    /** How many leading columns are left-aligned (default 1). */
    leftCols?: number;
  },
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const p = paint(opts.colour);
  const fmt = (cells: string[], style?: (s: string) => string, isData = false) =>
    cells.map((c, i) => {
      const padded = i < (opts.leftCols ?? 1) ? c.padEnd(widths[i]) : c.padStart(widths[i]);
      if (style) return style(padded);
      return isData && opts.highlight?.(i, c) ? p.warn(padded) : padded;
    }).join("  ").trimEnd();
  const rule = p.dim(widths.map((w) => "─".repeat(w)).join("  "));
  const out = [fmt(header, p.bold), rule];
  rows.forEach((r, i) => {
    const last = i === rows.length - 1;
    if (last && opts.totalsRow) out.push(rule, fmt(r, p.bold));
    else out.push(fmt(r, undefined, true));
  });
  return out.join("\n");
}

/** Quotes one CSV field per RFC 4180. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "string" ? v : typeof v === "boolean" ? (v ? "true" : "false") : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV line (CRLF-terminated, as RFC 4180 says). */
export function csvLine(values: unknown[]): string {
  return values.map(csvField).join(",") + "\r\n";
}

/** Loads config.toml (a broken one is a one-line error). */
export function cliConfig(paths: HomePaths = homePaths()): Config {
  const c = loadConfig(paths.config);
  if (!c.ok) throw new CliError(c.error);
  return c.value;
}

/**
 * Opens the store directly (works with or without the daemon; SQLite WAL lets both read).
 * Without a database yet, an empty in-memory store stands in, so reports print zero rows.
 */
export function cliStore(paths: HomePaths = homePaths()): Store {
  if (!existsSync(paths.db)) return new Store(openDb(":memory:"));
  try {
    return Store.open(paths.db);
  } catch (e) {
    throw new CliError(`Cannot open ${paths.db}: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** Writes text to stdout fully. */
export async function writeOut(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let off = 0;
  while (off < bytes.length) off += await Deno.stdout.write(bytes.subarray(off));
}
