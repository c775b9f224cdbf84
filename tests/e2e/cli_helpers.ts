/**
 * @module Helpers for the CLI end-to-end tests: run `daemon/main.ts` as a child process with the
 * binary's permission flags and a temp HALTON_METER_HOME, and clean up any daemon it started.
 */
import { fileURLToPath } from "node:url";
import { PERMISSION_FLAGS, V8_FLAGS } from "../../daemon/process/spawn.ts";
import { type HomePaths, homePaths } from "../../daemon/home.ts";
import { isAlive, readPid } from "../../daemon/process/runtime.ts";

const MAIN = fileURLToPath(new URL("../../daemon/main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

/** The outcome of one CLI run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The argv that runs the CLI like the compiled binary would. */
export function cliArgv(args: string[]): string[] {
  return ["run", "--quiet", ...PERMISSION_FLAGS, ...V8_FLAGS, "--config", CONFIG, MAIN, ...args];
}

/** Runs the CLI to completion. */
export async function runCli(
  home: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: cliArgv(args),
    env: { HALTON_METER_HOME: home, NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A temp home; `cleanup` kills any daemon still running in it and removes the directory. */
export async function tempHome(): Promise<
  { dir: string; paths: HomePaths; cleanup(): Promise<void> }
> {
  const root = await Deno.makeTempDir({ prefix: "halton-meter-e2e-" });
  const dir = `${root}/home`;
  const paths = homePaths(dir);
  return {
    dir,
    paths,
    cleanup: async () => {
      await killDaemon(paths);
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
}

/** Kills a daemon left running in a home (test cleanup only), waiting until it is gone. */
export async function killDaemon(paths: HomePaths): Promise<void> {
  const pid = readPid(paths);
  if (pid === null || !isAlive(pid)) return;
  try {
    Deno.kill(pid, "SIGKILL");
  } catch { /* gone */ }
  for (let i = 0; i < 200 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 25));
}

/** Runs `init`, then sets both listening ports to 0 so parallel tests never collide. */
export async function initWithFreePorts(home: string, extraToml = ""): Promise<CliRun> {
  const r = await runCli(home, ["init"]);
  if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
  const paths = homePaths(home);
  const text = await Deno.readTextFile(paths.config);
  await Deno.writeTextFile(
    paths.config,
    text.replace(/^port = 8090$/m, "port = 0").replace(/^port = 3000$/m, "port = 0") + extraToml,
  );
  return r;
}
