/**
 * @module `halton-meter init`: creates the home directory, config.toml, machine.json and the CA.
 * Idempotent: nothing that exists is ever overwritten.
 */
import type { Command } from "commander";
import { DEFAULT_CONFIG_TOML, loadConfig } from "../config.ts";
import { type HomePaths, homePaths } from "../home.ts";
import { ensureCa } from "../proxy/ca.ts";
import { CliError } from "./errors.ts";

/** What `initHome` created (false: it already existed). */
export interface InitResult {
  home: boolean;
  config: boolean;
  machine: boolean;
  ca: boolean;
  machineId: string;
}

/** The identity of this machine, created once by `init`. */
export interface MachineInfo {
  machine_id: string;
  created_at: string;
}

/** Writes a file only when it does not exist yet; returns whether it was created. */
function writeNew(path: string, text: string): boolean {
  try {
    Deno.writeTextFileSync(path, text, { createNew: true, mode: 0o600 });
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw new CliError(`Cannot write ${path}: ${(e as Error).message}`);
  }
}

/** Reads machine.json; null when absent or malformed. */
export function readMachine(paths: HomePaths): MachineInfo | null {
  try {
    const m = JSON.parse(Deno.readTextFileSync(paths.machine));
    return typeof m?.machine_id === "string" ? m as MachineInfo : null;
  } catch {
    return null;
  }
}

/** Creates whatever is missing under the home directory. Never overwrites anything. */
export async function initHome(paths: HomePaths): Promise<InitResult> {
  let home = false;
  try {
    Deno.statSync(paths.dir);
  } catch {
    try {
      Deno.mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
      home = true;
    } catch (e) {
      throw new CliError(`Cannot create ${paths.dir}: ${(e as Error).message}`);
    }
  }
  const config = writeNew(paths.config, DEFAULT_CONFIG_TOML);
  const machine = writeNew(
    paths.machine,
    JSON.stringify(
      { machine_id: crypto.randomUUID(), created_at: new Date().toISOString() },
      null,
      2,
    ) + "\n",
  );
  const info = readMachine(paths);
  if (!info) {
    throw new CliError(`Cannot read ${paths.machine}: it is not valid JSON with a machine_id`);
  }
  let ca: boolean;
  try {
    ca = (await ensureCa(paths)).created;
  } catch (e) {
    throw new CliError(`Cannot create the CA in ${paths.dir}: ${(e as Error).message}`);
  }
  return { home, config, machine, ca, machineId: info.machine_id };
}

/** The lines `init` prints after creating the home: how to trust the CA. */
export function trustHint(paths: HomePaths): string[] {
  return [
    `CA certificate: ${paths.caCert} (its key never leaves this machine)`,
    "Next steps:",
    "  halton-meter start                 # start the capture daemon",
    "  halton-meter trust                 # print the OS commands that trust the CA (--yes runs them)",
    '  eval "$(halton-meter env)"         # route this shell through the daemon (HTTPS_PROXY + CA)',
    '  eval "$(halton-meter env --base-url)"  # or point SDKs at base URLs, no CA needed',
  ];
}

/** Registers `init`. */
export function register(program: Command): void {
  program
    .command("init")
    .description(
      "create the home directory, config.toml, machine.json and the local CA (idempotent)",
    )
    .action(async () => {
      const paths = homePaths();
      const r = await initHome(paths);
      const mark = (created: boolean) => (created ? "created" : "exists ");
      console.log(`${mark(r.home)}  ${paths.dir}`);
      console.log(`${mark(r.config)}  ${paths.config}`);
      console.log(`${mark(r.machine)}  ${paths.machine} (machine_id ${r.machineId})`);
      console.log(`${mark(r.ca)}  ${paths.caCert}, ${paths.caKey}, ${paths.caBundle}`);
      const cfg = loadConfig(paths.config);
      if (!cfg.ok) console.error(`warning: ${cfg.error}`);
      console.log("");
      for (const line of trustHint(paths)) console.log(line);
    });
}
