/** @module `halton-meter stop`: SIGTERM to the daemon, wait for it to exit, remove its files. */
import type { Command } from "commander";
import { homePaths } from "../home.ts";
import { daemonState, isAlive, removeRuntimeFiles } from "../process/runtime.ts";
import { CliError, daemonNotRunning } from "./errors.ts";

/** Stops the daemon; resolves once its process is gone. */
export async function stopDaemon(pid: number, timeoutMs = 30_000): Promise<boolean> {
  try {
    Deno.kill(pid, "SIGTERM");
  } catch {
    return !isAlive(pid);
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/** Registers `stop`. */
export function register(program: Command): void {
  program
    .command("stop")
    .description("stop the background daemon (exit 2 when it is not running)")
    .action(async () => {
      const paths = homePaths();
      const state = daemonState(paths);
      if (!state.running) throw daemonNotRunning();
      const stopped = await stopDaemon(state.pid);
      if (!stopped) {
        throw new CliError(
          `daemon (pid ${state.pid}) did not stop within 30 s; stop it with \`kill -9 ${state.pid}\``,
        );
      }
      removeRuntimeFiles(paths);
      console.log(`halton-meter stopped (pid ${state.pid})`);
    });
}
