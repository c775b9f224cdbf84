/**
 * @module `halton-meter status [--json]`: running/pid/uptime, the proxy and dashboard addresses,
 * rows captured today and the cloud state. Exits 2 when the daemon is not running (after printing
 * that state: the JSON form prints `{"running": false, …}`).
 */
import type { Command } from "commander";
import { homePaths } from "../home.ts";
import { connectDaemon } from "../local_api/client.ts";
import { type DaemonStatus, startOfLocalDay } from "../local_api/core_routes.ts";
import { daemonState } from "../process/runtime.ts";
import { CliError, daemonNotRunning, EXIT } from "./errors.ts";

/** Formats seconds as "3d 4h", "2h 5m", "4m 10s" or "12s". */
export function formatUptime(seconds: number): string {
  const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

/** Human lines for a running daemon's status. */
export function formatStatus(st: DaemonStatus): string[] {
  const cloudDetail = Object.entries(st.cloud)
    .filter(([k, v]) => k !== "state" && v !== null && v !== undefined && k !== "enabled")
    .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : v}`);
  return [
    `daemon     running (pid ${st.pid}, up ${formatUptime(st.uptime_seconds)}, v${st.version})`,
    `proxy      ${st.proxy.hostname}:${st.proxy.port}  (HTTPS_PROXY=${st.proxy.url})`,
    `dashboard  ${st.dashboard ? st.dashboard.url : "disabled"}`,
    `today      ${st.rows_today} rows captured (${st.rows_total} in total)`,
    `cloud      ${st.cloud.state}${cloudDetail.length ? "  " + cloudDetail.join(" ") : ""}`,
    `home       ${st.home}`,
  ];
}

/** Registers `status`. */
export function register(program: Command): void {
  program
    .command("status")
    .description(
      "daemon state, addresses, rows captured today, cloud state (exit 2 when not running)",
    )
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const paths = homePaths();
      const state = daemonState(paths);
      const client = await connectDaemon(paths);
      if (!client) {
        if (opts.json) {
          console.log(
            JSON.stringify(
              { running: false, pid: state.running ? state.pid : null, home: paths.dir },
              null,
              2,
            ),
          );
          throw new CliError("", EXIT.daemonNotRunning);
        }
        if (state.running) {
          throw new CliError(
            `daemon (pid ${state.pid}) is not answering on its local API; see ${paths.errLog}`,
            EXIT.daemonNotRunning,
          );
        }
        throw daemonNotRunning();
      }
      const st = await client.getJson<DaemonStatus>(
        `/api/status?day_start=${encodeURIComponent(startOfLocalDay())}`,
      );
      if (opts.json) console.log(JSON.stringify(st, null, 2));
      else for (const line of formatStatus(st)) console.log(line);
    });
}
