/**
 * @module `halton-meter pricing list [--provider P] [--json]` and `pricing show MODEL [--json]`:
 * the bundled price table plus `[pricing.overrides]` from config.toml.
 */
import type { Command } from "commander";
import {
  defaultPriceTable,
  findPrice,
  type PriceRow,
  priceRows,
  type PriceTable,
  withOverrides,
} from "../../shared/pricing/mod.ts";
import { ProviderId } from "../../shared/schemas/usage.ts";
import { loadConfig } from "../config.ts";
import { homePaths } from "../home.ts";
import { CliError } from "./errors.ts";

/** The price table with config overrides applied; bad config → CliError. */
export function cliPriceTable(configPath: string = homePaths().config): PriceTable {
  const cfg = loadConfig(configPath);
  if (!cfg.ok) throw new CliError(cfg.error);
  const t = withOverrides(defaultPriceTable(), cfg.value.pricing.overrides);
  if (!t.ok) throw new CliError(`Cannot parse config.toml: ${t.error}`);
  return t.value;
}

const price = (
  v: number | null | undefined,
): string => (v === null || v === undefined ? "-" : `$${v}`);

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

/** Renders `pricing list` as text. */
export function renderList(rows: PriceRow[], version: string): string {
  const head = [
    "PROVIDER",
    "MODEL",
    "INPUT",
    "OUTPUT",
    "CACHE READ",
    "WRITE 5M",
    "WRITE 1H",
    "LONG CONTEXT",
    "SOURCE DATE",
  ];
  const body = rows.map((r) => [
    r.provider,
    r.model,
    price(r.input),
    price(r.output),
    price(r.cache_read),
    price(r.cache_write_5m),
    price(r.cache_write_1h),
    r.long_context ? `>${r.long_context.above_input_tokens}` : "-",
    r.source_date,
  ]);
  return `Prices in USD per million tokens (pricing ${version}, ${rows.length} models)\n${
    table([head, ...body])
  }\n`;
}

/** Renders `pricing show` as text. */
export function renderShow(r: PriceRow, version: string): string {
  const lines = [
    `${r.provider}/${r.model}  (pricing ${version}, effective from ${r.effective_from})`,
    `aliases: ${r.aliases.length ? r.aliases.join(", ") : "-"}`,
    `snapshot patterns: ${r.patterns.length ? r.patterns.join(", ") : "-"}`,
    "",
  ];
  const rows = [
    ["CLASS", "USD / MTOK"],
    ["input", price(r.input)],
    ["output", price(r.output)],
    [
      "cache read",
      price(r.cache_read),
    ],
    ["cache write 5m", price(r.cache_write_5m)],
    ["cache write 1h", price(r.cache_write_1h)],
  ];
  lines.push(table(rows), "");
  const lc = r.long_context;
  lines.push(
    lc
      ? `long context: above ${lc.above_input_tokens} input tokens the whole request costs input ${
        price(lc.input)
      }, output ${price(lc.output)}, cache read ${price(lc.cache_read)}, write 5m ${
        price(lc.cache_write_5m)
      }, write 1h ${price(lc.cache_write_1h)}`
      : "long context: no tier",
  );
  for (const k of ["flex", "priority"] as const) {
    const t = r.service_tiers[k];
    if (t) {
      lines.push(
        `${k}: input ${price(t.input)}, output ${price(t.output)}, cache read ${
          price(t.cache_read)
        }`,
      );
    }
  }
  lines.push("batch: 50% of every class");
  if (r.fees.web_search_per_query_usd !== null) {
    lines.push(`web search: $${r.fees.web_search_per_query_usd} per query`);
  }
  if (r.multipliers.inference_geo_us !== null) {
    lines.push(`inference_geo "us": x${r.multipliers.inference_geo_us}`);
  }
  if (r.multipliers.fast !== null) lines.push(`fast mode: x${r.multipliers.fast}`);
  lines.push(`source (${r.source_date}): ${r.source}`);
  if (r.notes) lines.push(`notes: ${r.notes}`);
  return lines.join("\n") + "\n";
}

/** Registers `pricing list` and `pricing show`. */
export function register(program: Command): void {
  const pricing = program.command("pricing").description(
    "show the price table used to cost requests",
  );
  pricing
    .command("list")
    .description("list every priced model (bundled table plus config overrides)")
    .option("--provider <provider>", "only this provider")
    .option("--json", "print JSON rows")
    .action((opts: { provider?: string; json?: boolean }) => {
      if (opts.provider !== undefined && !ProviderId.safeParse(opts.provider).success) {
        throw new CliError(
          `Unknown provider "${opts.provider}" (expected one of ${ProviderId.options.join(", ")})`,
        );
      }
      const t = cliPriceTable();
      const rows = priceRows(t).filter((r) => !opts.provider || r.provider === opts.provider);
      console.log(
        opts.json
          ? JSON.stringify({ version: t.version, rows }, null, 2)
          : renderList(rows, t.version).trimEnd(),
      );
    });
  pricing
    .command("show")
    .description("show one model's prices, tiers, modifiers, source and date")
    .argument("<model>", "model name, alias or dated snapshot (e.g. gpt-4o-mini-2024-07-18)")
    .option("--provider <provider>", "provider of the model when ambiguous")
    .option("--json", "print JSON")
    .action((model: string, opts: { provider?: string; json?: boolean }) => {
      const t = cliPriceTable();
      const now = new Date();
      const providers = opts.provider ? [opts.provider] : ProviderId.options;
      const found = providers.map((p) => findPrice(t, p, model, now)).filter((r): r is PriceRow =>
        r !== null
      );
      if (found.length === 0) {
        throw new CliError(
          `Unknown model "${model}": not in the price table ${t.version}; add [pricing.overrides."provider/${model}"] to config.toml`,
        );
      }
      console.log(
        opts.json
          ? JSON.stringify(
            found.length === 1
              ? { version: t.version, ...found[0] }
              : { version: t.version, rows: found },
            null,
            2,
          )
          : found.map((r) => renderShow(r, t.version)).join("\n").trimEnd(),
      );
    });
}
