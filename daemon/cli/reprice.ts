/**
 * @module `halton-meter reprice [--days N] [--json]`: re-costs local rows with the current price
 * table and config overrides, and prints the before/after totals.
 */
import type { Command } from "commander";
import { costOf, type PriceTable } from "../../shared/pricing/mod.ts";
import { formatUsd } from "../../shared/money.ts";
import { homePaths } from "../home.ts";
import { Store } from "../store/store.ts";
import { applyReprice, type RepriceUpdate, rowsToReprice } from "../store/reprice.ts";
import { CliError } from "./errors.ts";
import { cliPriceTable } from "./pricing.ts";

/** Totals of a re-pricing run. */
export interface RepriceSummary {
  rows: number;
  since: string | null;
  pricing_version: string;
  before: { total_millicents: number; priced: number; unpriced: number };
  after: { total_millicents: number; priced: number; unpriced: number };
  changed: number;
  still_unpriced: number;
}

/** Re-costs rows since `since` (all when null) and writes the changes. */
export function reprice(store: Store, table: PriceTable, since: string | null): RepriceSummary {
  const rows = rowsToReprice(store, since);
  const sum: RepriceSummary = {
    rows: rows.length,
    since,
    pricing_version: table.version,
    before: { total_millicents: 0, priced: 0, unpriced: 0 },
    after: { total_millicents: 0, priced: 0, unpriced: 0 },
    changed: 0,
    still_unpriced: 0,
  };
  const updates: RepriceUpdate[] = [];
  for (const r of rows) {
    const c = costOf(r.usage, table, new Date(r.timestamp));
    if (r.priced && r.cost_usd_millicents !== null) {
      sum.before.priced++;
      sum.before.total_millicents += r.cost_usd_millicents;
    } else sum.before.unpriced++;
    if (c.priced && c.cost_usd_millicents !== null) {
      sum.after.priced++;
      sum.after.total_millicents += c.cost_usd_millicents;
    } else {
      sum.after.unpriced++;
      sum.still_unpriced += r.priced ? 0 : 1;
    }
    if (
      c.cost_usd_millicents !== r.cost_usd_millicents || c.priced !== r.priced ||
      c.pricing_version !== r.pricing_version
    ) {
      updates.push({
        request_id: r.request_id,
        cost_usd_millicents: c.cost_usd_millicents,
        priced: c.priced,
        pricing_version: c.pricing_version,
      });
      if (c.cost_usd_millicents !== r.cost_usd_millicents || c.priced !== r.priced) sum.changed++;
    }
  }
  applyReprice(store, updates);
  return sum;
}

/** Renders a summary as text. */
export function renderSummary(s: RepriceSummary): string {
  const side = (x: RepriceSummary["before"]) =>
    `${formatUsd(x.total_millicents)} (${x.priced} priced, ${x.unpriced} unpriced)`;
  return [
    `Repriced ${s.rows} rows${
      s.since ? ` since ${s.since}` : ""
    } with pricing ${s.pricing_version}.`,
    `Before: ${side(s.before)}`,
    `After:  ${side(s.after)}`,
    `Cost changed on ${s.changed} rows; ${s.still_unpriced} rows stay unpriced (unknown model or usage not on the wire).`,
  ].join("\n");
}

/** Registers `reprice`. */
export function register(program: Command): void {
  program
    .command("reprice")
    .description("re-cost local rows with the current price table and config overrides")
    .option("--days <n>", "only rows of the last N days")
    .option("--json", "print JSON")
    .action((opts: { days?: string; json?: boolean }) => {
      let since: string | null = null;
      if (opts.days !== undefined) {
        const d = Number(opts.days);
        if (!Number.isInteger(d) || d <= 0) {
          throw new CliError(
            `Cannot parse --days "${opts.days}": use a whole number of days, e.g. 30`,
          );
        }
        since = new Date(Date.now() - d * 86_400_000).toISOString();
      }
      const paths = homePaths();
      const table = cliPriceTable(paths.config);
      let store: Store;
      try {
        store = Store.open(paths.db);
      } catch (e) {
        throw new CliError(
          `Cannot open ${paths.db}: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      try {
        const s = reprice(store, table, since);
        console.log(opts.json ? JSON.stringify(s, null, 2) : renderSummary(s));
      } finally {
        store.close();
      }
    });
}
