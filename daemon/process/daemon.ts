/**
 * @module Running the daemon in this process (`start --foreground`, and the background child):
 * claim the pid file, start the system, write the runtime file, run until SIGINT/SIGTERM, then
 * close cleanly (captures finished, rows flushed) and remove the files.
 */
import { CliError } from "../cli/errors.ts";
import type { Config } from "../config.ts";
import type { HomePaths } from "../home.ts";
import { createLogger, type Logger } from "../log.ts";
import { startSystem } from "../system.ts";
import { VERSION } from "../version.ts";
import { claimPidFile, releaseRuntimeFiles, writeRuntime } from "./runtime.ts";
import { dropSelfProxyEnv } from "./self_proxy.ts";

/** The daemon's logger: every JSON line on stdout (daemon.log), errors also on stderr (daemon.err.log). */
export function daemonLogger(): Logger {
  const enc = new TextEncoder();
  return createLogger({
    write: (line, level) => {
      const bytes = enc.encode(line + "\n");
      try {
        Deno.stdout.writeSync(bytes);
      } catch { /* closed */ }
      if (level === "error") {
        try {
          Deno.stderr.writeSync(bytes);
        } catch { /* closed */ }
      }
    },
  });
}

/** Runs the daemon until a stop signal. `onReady` receives the addresses once listening. */
export async function runDaemon(
  paths: HomePaths,
  config: Config,
  opts: {
    proxyPort?: number;
    logger?: Logger;
    onReady?: (info: { proxy: string; dashboard: string }) => void;
  } = {},
): Promise<void> {
  const log = opts.logger ?? daemonLogger();
  // A stray rejection or error in any part is logged; it must never take the proxy down.
  globalThis.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    log.error("unhandled rejection", { error: e.reason });
  });
  globalThis.addEventListener("error", (e) => {
    e.preventDefault();
    log.error("uncaught error", { error: e.error ?? e.message });
  });
  const ownPort = opts.proxyPort ?? config.proxy.port;
  const dropped = dropSelfProxyEnv(ownPort);
  if (dropped.length > 0) {
    log.warn("ignoring proxy variables that point at this daemon (they would loop)", {
      variables: dropped,
    });
  }
  const other = claimPidFile(paths);
  if (other !== null) throw new CliError(`daemon already running (pid ${other})`);
  let system;
  try {
    system = await startSystem(paths, config, { logger: log, proxyPort: opts.proxyPort });
  } catch (e) {
    releaseRuntimeFiles(paths);
    log.error("daemon failed to start", { error: e });
    throw new CliError(`Cannot start the daemon: ${(e as Error).message}`);
  }
  writeRuntime(paths, {
    pid: Deno.pid,
    started_at: system.startedAt.toISOString(),
    proxy: system.proxy,
    dashboard: system.dashboard,
    version: VERSION,
  });
  log.info("daemon started", {
    pid: Deno.pid,
    proxy: system.proxy,
    dashboard: system.dashboard,
    version: VERSION,
  });
  opts.onReady?.({
    proxy: `${system.proxy.hostname}:${system.proxy.port}`,
    dashboard: `http://${system.dashboard.hostname}:${system.dashboard.port}`,
  });

  const signal = await new Promise<Deno.Signal>((resolve) => {
    const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
    let stoppingSince = 0;
    for (const s of signals) {
      Deno.addSignalListener(s, () => {
        if (stoppingSince > 0) {
          // The same signal often arrives twice at once (a wrapper forwards it to the process
          // group): only a later, deliberate second signal cuts the shutdown short.
          if (Date.now() - stoppingSince < 1000) return;
          log.warn("second stop signal; flushing queued rows and exiting now", { signal: s });
          try {
            system.writer.flush();
          } catch (e) {
            log.error("final flush failed", { error: e });
          }
          releaseRuntimeFiles(paths);
          Deno.exit(130);
        }
        stoppingSince = Date.now();
        resolve(s);
      });
    }
  });
  log.info("daemon stopping", { signal });
  try {
    await system.close();
  } finally {
    releaseRuntimeFiles(paths);
  }
  log.info("daemon stopped", { pid: Deno.pid, rows_pending: system.writer.pending });
}
