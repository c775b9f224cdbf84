/**
 * @module `halton-meter report`: requests, every token column and cost by project, model,
 * provider, day, hostname or attribution method, from SQLite directly (daemon not needed).
 * Unpriced rows and rows with missing usage are their own counts, never summed as zero.
 */
import type { Command } from "commander";
import { formatUsd, millicentsToUsd } from "../../shared/money.ts";
import {
  GROUP_BY,
  type GroupBy,
  parseRange,
  reportBy,
  type ReportLine,
  TOKEN_COLUMNS,
  totalOf,
} from "../store/reports.ts";
import { CliError } from "./errors.ts";
import { cliStore, csvLine, renderTable, useColour, writeOut } from "./report_format.ts";

/** Output formats of `report`. */
export const REPORT_FORMATS = ["table", "json", "csv"] as const;

/** Options of `report`, as commander passes them. */
export interface ReportOptions {
  since?: string;
  until?: string;
  by?: string;
  project?: string;
  format?: string;
}

/** A report line as JSON: integers plus `cost_usd` for convenience. */
export function lineJson(l: ReportLine): Record<string, unknown> {
  return {
    ...l,
    cost_usd: l.cost_usd_millicents === null ? null : millicentsToUsd(l.cost_usd_millicents),
  };
}

const HEADERS = [
  "requests",
  "unpriced",
  "missing usage",
  "prompt",
  "completion",
  "cache read",
  "cache write",
  "cw 5m",
  "cw 1h",
  "reasoning",
  "web search",
  "cost USD",
];

function cells(l: ReportLine): string[] {
  const n = (x: number) => x.toLocaleString("en-US");
  return [
    l.key,
    n(l.requests),
    n(l.unpriced),
    n(l.missing_usage),
    ...TOKEN_COLUMNS.map((c) => n(l[c])),
    formatUsd(l.cost_usd_millicents),
  ];
}

/** Validates options and builds the report; every bad input is a one-line CliError. */
export function buildReport(opts: ReportOptions, now = new Date()): {
  by: GroupBy;
  since: string;
  until: string;
  project: string | null;
  lines: ReportLine[];
  total: ReportLine;
  format: string;
} {
  const by = (opts.by ?? "project") as GroupBy;
  if (!GROUP_BY.includes(by)) {
    throw new CliError(`Unknown --by "${opts.by}": use one of ${GROUP_BY.join(", ")}`);
  }
  const format = opts.format ?? "table";
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new CliError(`Unknown --format "${format}": use one of ${REPORT_FORMATS.join(", ")}`);
  }
  const range = parseRange({ since: opts.since, until: opts.until, defaultSince: "30d" }, now);
  if (!range.ok) throw new CliError(range.error);
  const store = cliStore();
  try {
    const lines = reportBy(store, by, { ...range.value, project: opts.project ?? null });
    return {
      by,
      ...range.value,
      project: opts.project ?? null,
      lines,
      total: totalOf(lines),
      format,
    };
  } finally {
    store.close();
  }
}

/** Registers `report`. */
export function register(program: Command): void {
  program
    .command("report")
    .description("spend and tokens by project, model, provider, day, hostname or attribution")
    .option("--since <when>", "start: 30d, 24h, 2026-11-01 or an ISO time (default 30d)")
    .option("--until <when>", "end (exclusive), same forms (default: now)")
    .option("--by <dimension>", `group by ${GROUP_BY.join("|")}`, "project")
    .option("--project <slug>", "only this project")
    .option("--format <format>", "table|json|csv", "table")
    .action(async (opts: ReportOptions) => {
      const r = buildReport(opts);
      if (r.format === "json") {
        const doc = {
          since: r.since,
          until: r.until,
          by: r.by,
          project: r.project,
          rows: r.lines.map(lineJson),
          total: lineJson(r.total),
        };
        await writeOut(JSON.stringify(doc, null, 2) + "\n");
        return;
      }
      if (r.format === "csv") {
        let out = csvLine([
          r.by,
          "requests",
          "priced",
          "unpriced",
          "missing_usage",
          ...TOKEN_COLUMNS,
          "cost_usd_millicents",
          "cost_usd",
        ]);
        for (const l of [...r.lines, r.total]) {
          out += csvLine([
            l.key,
            l.requests,
            l.priced,
            l.unpriced,
            l.missing_usage,
            ...TOKEN_COLUMNS.map((c) => l[c]),
            l.cost_usd_millicents,
            l.cost_usd_millicents === null
              ? null
              : formatUsd(l.cost_usd_millicents).replace("$", ""),
          ]);
        }
        await writeOut(out);
        return;
      }
      const rows = [...r.lines, { ...r.total, key: "TOTAL" }].map(cells);
      const until = r.until.startsWith("9999") ? "now" : r.until;
      let text = `Spend by ${r.by}, ${r.since} → ${until}${
        r.project ? `, project ${r.project}` : ""
      }\n\n`;
      text += renderTable([r.by, ...HEADERS], rows, {
        totalsRow: true,
        colour: useColour(),
        highlight: (col, cell) => (col === 2 || col === 3) && cell !== "0",
      });
      if (r.total.unpriced > 0 || r.total.missing_usage > 0) {
        text +=
          `\n\nCost covers priced rows only: ${r.total.unpriced} unpriced and ${r.total.missing_usage} ` +
          "with missing usage are not counted as $0.";
      }
      await writeOut(text + "\n");
    });
}
