/**
 * @module `halton-meter attribution explain [--pid N | --cwd DIR] [--json]`: each resolver's answer
 * and the winner. Without options it explains this shell (the CLI process and its parents).
 */
import type { Command } from "commander";
import { resolve } from "node:path";
import { explain, systemInspector } from "../attribution/mod.ts";
import { nullLogger } from "../log.ts";
import { CliError } from "./errors.ts";
import { cliConfig, paint, renderTable, useColour, writeOut } from "./report_format.ts";

/** Registers `attribution explain`. */
export function register(program: Command): void {
  const attribution = program.command("attribution").description(
    "how requests are attributed to projects",
  );
  attribution
    .command("explain")
    .description("show each resolver's answer and which one wins")
    .option("--pid <pid>", "a running client process")
    .option("--cwd <dir>", "a working directory (process-less resolvers only)")
    .option("--json", "print JSON")
    .action(async (opts: { pid?: string; cwd?: string; json?: boolean }) => {
      if (opts.pid !== undefined && opts.cwd !== undefined) {
        throw new CliError("Give --pid or --cwd, not both");
      }
      let pid: number | undefined;
      if (opts.pid !== undefined) {
        pid = Number(opts.pid);
        if (!Number.isInteger(pid) || pid <= 0) {
          throw new CliError(`Invalid --pid "${opts.pid}": must be a process id`);
        }
        try {
          Deno.statSync(`/proc/${pid}`);
        } catch {
          if (Deno.build.os === "linux") throw new CliError(`No process with pid ${pid}`);
        }
      }
      let cwd: string | undefined;
      if (opts.cwd !== undefined) {
        cwd = resolve(opts.cwd);
        try {
          if (!Deno.statSync(cwd).isDirectory) throw new Error();
        } catch {
          throw new CliError(`Cannot use --cwd ${opts.cwd}: not a directory`);
        }
      }
      const config = cliConfig();
      let rcError: string | null = null;
      const a = await explain({ pid, cwd }, {
        config,
        inspector: systemInspector(),
        logger: nullLogger,
        onRcError: (m) => rcError = m,
      });
      if (rcError) throw new CliError(rcError);
      if (opts.json) {
        await writeOut(JSON.stringify(a, null, 2) + "\n");
        return;
      }
      const p = paint(useColour());
      const rows = a.trail.map((r) => [
        r.resolver === a.attribution_method ? `${r.resolver} ◀` : r.resolver,
        r.project ?? "—",
        r.detail ?? "",
      ]);
      const who = cwd
        ? `directory ${cwd}`
        : `process ${a.client_pid}${a.source_workdir ? ` in ${a.source_workdir}` : ""}`;
      const table = renderTable(["resolver", "project", "detail"], rows, {
        totalsRow: false,
        colour: useColour(),
        leftCols: 3,
      });
      await writeOut(
        `Attribution for ${who}\n\n${table}\n\n${
          p.bold(`Winner: ${a.project_id} (${a.attribution_method})`)
        }\n`,
      );
    });
}
