/**
 * @module `halton-meter prune --older-than 90d | --before DATE [--bodies-only] [--yes]`: prints what
 * it would delete and deletes only with --yes. Rows not yet synced to a paired cloud (and bodies
 * not yet uploaded) are kept unless --include-unsynced, so pruning never loses unsent data.
 */
import type { Command } from "commander";
import { homePaths } from "../home.ts";
import { cloudPaired, parseTimeArg, pruneApply, prunePlan } from "../store/reports.ts";
import { CliError } from "./errors.ts";
import { cliConfig, cliStore, writeOut } from "./report_format.ts";

/** Options of `prune`. */
export interface PruneOptions {
  olderThan?: string;
  before?: string;
  bodiesOnly?: boolean;
  yes?: boolean;
  includeUnsynced?: boolean;
}

function mib(bytes: number): string {
  return bytes < 1024 * 1024
    ? `${(bytes / 1024).toFixed(1)} KiB`
    : `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** Registers `prune`. */
export function register(program: Command): void {
  program
    .command("prune")
    .description("delete old rows (or only their bodies); prints the plan, deletes only with --yes")
    .option("--older-than <age>", "rows older than this age, e.g. 90d")
    .option("--before <date>", "rows before this date or ISO time")
    .option("--bodies-only", "delete captured bodies only, keep the rows")
    .option("--include-unsynced", "also delete rows/bodies the cloud has not received yet")
    .option("--yes", "really delete")
    .action(async (opts: PruneOptions) => {
      if ((opts.olderThan === undefined) === (opts.before === undefined)) {
        throw new CliError("Give exactly one of --older-than <age> or --before <date>");
      }
      const now = new Date();
      const t = opts.olderThan !== undefined
        ? (/^\d+[smhdw]$/.test(opts.olderThan.trim())
          ? parseTimeArg("--older-than", opts.olderThan, now)
          : {
            ok: false as const,
            error: `Cannot parse --older-than "${opts.olderThan}": use an age like 90d, 12w or 48h`,
          })
        : parseTimeArg("--before", opts.before!, now);
      if (!t.ok) throw new CliError(t.error);
      const cutoff = t.value.toISOString();
      const paths = homePaths();
      const config = cliConfig(paths);
      const store = cliStore(paths);
      try {
        const paired = cloudPaired(store) || config.cloud.enabled;
        const sync = { rowSync: paired, bodySync: paired && config.cloud.bodies.enabled };
        const bodiesOnly = opts.bodiesOnly === true;
        const plan = prunePlan(store, cutoff, { bodiesOnly, ...sync });
        const lines: string[] = [];
        const what = bodiesOnly
          ? `${plan.bodies} bodies (${mib(plan.bodyBytes)}) of rows before ${cutoff}; the rows stay`
          : `${plan.rows} rows before ${cutoff}${
            plan.rows ? ` (${plan.oldest} … ${plan.newest})` : ""
          }, ` +
            `with ${plan.bodies} bodies (${mib(plan.bodyBytes)}) and their outbox entries`;
        lines.push(`${opts.yes ? "Deleting" : "Would delete"} ${what}.`);
        const unsynced = (bodiesOnly ? 0 : plan.unsyncedRows) + plan.unsyncedBodies;
        if (unsynced > 0) {
          const parts = [
            plan.unsyncedRows && !bodiesOnly ? `${plan.unsyncedRows} rows` : "",
            plan.unsyncedBodies ? `${plan.unsyncedBodies} bodies` : "",
          ].filter(Boolean).join(" and ");
          lines.push(
            opts.includeUnsynced
              ? `Warning: ${parts} not yet synced to the cloud will be deleted too (--include-unsynced).`
              : `Warning: ${parts} not yet synced to the cloud will be kept; pass --include-unsynced to delete them anyway.`,
          );
        }
        if (!opts.yes) {
          lines.push("Nothing deleted. Run again with --yes to delete.");
          await writeOut(lines.join("\n") + "\n");
          return;
        }
        const r = pruneApply(store, cutoff, {
          bodiesOnly,
          ...sync,
          includeUnsynced: opts.includeUnsynced === true,
        });
        lines.push(
          `Deleted ${r.rowsDeleted} rows, ${r.bodiesDeleted} bodies and ${r.outboxDeleted} outbox entries` +
            (r.keptUnsyncedRows || r.keptUnsyncedBodies
              ? `; kept ${r.keptUnsyncedRows} unsynced rows and ${r.keptUnsyncedBodies} unsynced bodies.`
              : "."),
        );
        await writeOut(lines.join("\n") + "\n");
      } finally {
        store.close();
      }
    });
}
