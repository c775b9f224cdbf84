/**
 * @module The CLI: one file per command, each exporting `register(program)`.
 * Add a command by importing its register function here.
 */
import { Command } from "commander";
import { VERSION } from "../version.ts";
import { register as init } from "./init.ts";
import { register as start } from "./start.ts";
import { register as stop } from "./stop.ts";
import { register as status } from "./status.ts";
import { register as env } from "./env.ts";
import { register as trust } from "./trust.ts";
import { register as requests } from "./requests.ts";
import { register as update } from "./update.ts";
import { register as report } from "./report.ts";
import { register as exportCmd } from "./export.ts";
import { register as prune } from "./prune.ts";
import { register as attribution } from "./attribution.ts";
import { register as project } from "./project.ts";
import { register as cloud } from "./cloud.ts";
import { register as pricing } from "./pricing.ts";
import { register as reprice } from "./reprice.ts";

/** A command module registers its sub-commands on the root program. */
export type Register = (program: Command) => void;

const registrations: Register[] = [
  // Each command file adds itself here, one line each.
  init,
  start,
  stop,
  status,
  env,
  trust,
  requests,
  update,
  report,
  exportCmd,
  prune,
  attribution,
  project,
  cloud,
  pricing,
  reprice,
];

/** Builds the root program with every command registered. */
export function buildProgram(): Command {
  const program = new Command("halton-meter")
    .description(
      "Tells you exactly what you spend on LLM APIs: a local capture proxy, reports and a dashboard.",
    )
    .version(VERSION)
    .showHelpAfterError(false)
    .exitOverride();
  for (const register of registrations) register(program);
  return program;
}
