/**
 * @module `halton-meter start [--foreground] [--port N]`: the daemon in the background (default;
 * detached, logs to daemon.log / daemon.err.log) or in this process until SIGINT/SIGTERM.
 */
import type { Command } from "commander";
import { loadConfig } from "../config.ts";
import { type HomePaths, homePaths } from "../home.ts";
import { daemonState, readRuntime } from "../process/runtime.ts";
import { spawnDetached } from "../process/spawn.ts";
import { CliError } from "./errors.ts";
import { initHome } from "./init.ts";

/** Parses a `--port` value: an integer 0-65535 (0 picks a free port). */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n > 65535) {
    throw new CliError(`Invalid --port "${value}": must be an integer 0-65535`);
  }
  return n;
}

/** The last meaningful line the daemon wrote to its error log after `offset`. */
function lastErrorLine(paths: HomePaths, offset: number): string | null {
  try {
    const bytes = Deno.readFileSync(paths.errLog).subarray(offset);
    const lines = new TextDecoder().decode(bytes).split("\n").map((l) => l.trim()).filter(Boolean);
    for (const line of lines.reverse()) {
      if (line.startsWith("{")) {
        try {
          const rec = JSON.parse(line);
          if (typeof rec.msg === "string") {
            return rec.error?.message ? `${rec.msg}: ${rec.error.message}` : rec.msg;
          }
        } catch { /* not JSON */ }
      }
      return line.replace(/^halton-meter: /, "");
    }
  } catch { /* no log */ }
  return null;
}

function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

/** Starts the daemon in the background and waits until it listens. */
async function startBackground(
  paths: HomePaths,
  port: number | undefined,
  timeoutMs = 30_000,
): Promise<void> {
  const errOffset = fileSize(paths.errLog);
  const args = ["start", "--foreground", ...(port === undefined ? [] : ["--port", String(port)])];
  const child = spawnDetached(paths, args, { HALTON_METER_HOME: paths.dir });
  let exited: Deno.CommandStatus | null = null;
  child.status.then((s) => (exited = s));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const rt = readRuntime(paths);
    if (rt && rt.pid === child.pid) {
      child.unref();
      console.log(`halton-meter started (pid ${rt.pid})`);
      console.log(`  proxy      http://${rt.proxy.hostname}:${rt.proxy.port}`);
      if (rt.dashboard) {
        console.log(`  dashboard  http://${rt.dashboard.hostname}:${rt.dashboard.port}`);
      }
      console.log(`  logs       ${paths.log}, ${paths.errLog}`);
      console.log('Route a shell through it: eval "$(halton-meter env)"');
      return;
    }
    if (exited !== null) {
      const why = lastErrorLine(paths, errOffset) ??
        `exit code ${(exited as Deno.CommandStatus).code}`;
      throw new CliError(`Cannot start the daemon: ${why}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.unref();
  throw new CliError(
    `Cannot start the daemon: it did not listen within ${timeoutMs / 1000} s; see ${paths.errLog}`,
  );
}

/** Registers `start`. */
export function register(program: Command): void {
  program
    .command("start")
    .description("start the capture daemon (background by default)")
    .option("--foreground", "run in this terminal until Ctrl-C")
    .option("--port <n>", "proxy port (overrides [proxy].port; 0 picks a free port)")
    .action(async (opts: { foreground?: boolean; port?: string }) => {
      const paths = homePaths();
      const port = opts.port === undefined ? undefined : parsePort(opts.port);
      await initHome(paths);
      const config = loadConfig(paths.config);
      if (!config.ok) throw new CliError(config.error);
      const state = daemonState(paths);
      if (state.running) throw new CliError(`daemon already running (pid ${state.pid})`);
      if (opts.foreground) {
        // Loaded lazily: the proxy and its dependencies are only needed by the daemon itself.
        const { runDaemon } = await import("../process/daemon.ts");
        await runDaemon(paths, config.value, { proxyPort: port });
      } else {
        await startBackground(paths, port);
      }
    });
}
