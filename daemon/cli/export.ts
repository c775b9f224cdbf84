/**
 * @module `halton-meter export --format csv|jsonl [--since …] [--until …]`: streams every stored
 * row of a range to stdout, oldest first (local-only columns included: it stays on this machine).
 */
import type { Command } from "commander";
import { ROW_COLUMNS } from "../store/store.ts";
import { iterateRows, parseRange } from "../store/reports.ts";
import { CliError } from "./errors.ts";
import { cliStore, csvLine, writeOut } from "./report_format.ts";

/** Registers `export`. */
export function register(program: Command): void {
  program
    .command("export")
    .description("stream stored rows as CSV or JSON lines")
    .requiredOption("--format <format>", "csv|jsonl")
    .option("--since <when>", "start: 30d, 24h, 2026-11-01 or an ISO time (default: everything)")
    .option("--until <when>", "end (exclusive), same forms (default: now)")
    .action(async (opts: { format: string; since?: string; until?: string }) => {
      if (opts.format !== "csv" && opts.format !== "jsonl") {
        throw new CliError(`Unknown --format "${opts.format}": use csv or jsonl`);
      }
      const range = parseRange({ since: opts.since, until: opts.until, defaultSince: null });
      if (!range.ok) throw new CliError(range.error);
      const store = cliStore();
      try {
        let buf = opts.format === "csv" ? csvLine([...ROW_COLUMNS]) : "";
        for (const row of iterateRows(store, range.value)) {
          buf += opts.format === "csv"
            ? csvLine(ROW_COLUMNS.map((c) => row[c]))
            : JSON.stringify(row) + "\n";
          if (buf.length >= 64 * 1024) {
            await writeOut(buf);
            buf = "";
          }
        }
        await writeOut(buf);
      } finally {
        store.close();
      }
    });
}
