/**
 * @module Re-running this program: under `deno run` (Deno + the binary's permission flags +
 * main.ts) or as the compiled binary, and spawning the background daemon detached with its
 * stdout/stderr appended to `daemon.log` / `daemon.err.log`.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { HomePaths } from "../home.ts";

/**
 * The permission flags the compiled binary gets, also used when re-running under `deno run`.
 * `--allow-all`: Deno 2.9 refuses every read under /proc without it ("Requires all access"), and
 * process attribution on Linux reads /proc/net/tcp and /proc/<pid>/{fd,cwd,environ,stat}. It adds
 * nothing real to the unrestricted `--allow-run` the daemon needs anyway (a child process can do
 * anything), so the granular list would only break attribution.
 */
export const PERMISSION_FLAGS: readonly string[] = ["--allow-all"];

/**
 * V8 flags the binary runs with (baked in by `deno compile`, passed again under `deno run`).
 * A 1 MB young-generation semi-space keeps the idle daemon under 90 MB RSS (measured: 94 → 86 MB)
 * with no measurable throughput cost in `scripts/bench_capture.ts`.
 */
export const V8_FLAGS: readonly string[] = ["--v8-flags=--max-semi-space-size=1"];

/** The command line that runs this CLI again with `args`: [executable, ...argv]. */
export function selfCommand(args: string[]): string[] {
  if (Deno.build.standalone) return [Deno.execPath(), ...args];
  const main = fileURLToPath(new URL("../main.ts", import.meta.url));
  const config = join(dirname(dirname(main)), "deno.json");
  const configArgs: string[] = [];
  try {
    Deno.statSync(config);
    configArgs.push("--config", config);
  } catch { /* no deno.json beside the sources: rely on discovery */ }
  return [
    Deno.execPath(),
    "run",
    "--quiet",
    ...PERMISSION_FLAGS,
    ...V8_FLAGS,
    ...configArgs,
    main,
    ...args,
  ];
}

/** Quotes one word for POSIX sh. */
function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Spawns `args` of this CLI as a detached background process (its own session) whose stdout
 * and stderr are appended to the daemon's log files. Returns the child (its pid is the
 * daemon's pid: the shell `exec`s it).
 */
export function spawnDetached(
  paths: HomePaths,
  args: string[],
  env: Record<string, string> = {},
): Deno.ChildProcess {
  const argv = selfCommand(args).map(shQuote).join(" ");
  const script = `exec ${argv} </dev/null >>${shQuote(paths.log)} 2>>${shQuote(paths.errLog)}`;
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", script],
    cwd: paths.dir,
    env,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
  }).spawn();
  return child;
}
