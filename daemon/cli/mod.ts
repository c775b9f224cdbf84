/**
 * @module The CLI: one file per command, each exporting `register(program)`.
 * Add a command by importing its register function here.
 */
import { Command } from "commander";
import { VERSION } from "../version.ts";

/** A command module registers its sub-commands on the root program. */
export type Register = (program: Command) => void;

const registrations: Register[] = [
  // Each command file adds itself here, one line each.
];

/** Builds the root program with every command registered. */
export function buildProgram(): Command {
  const program = new Command("halton-meter")
    .description("Tells you exactly what you spend on LLM APIs: a local capture proxy, reports and a dashboard.")
    .version(VERSION)
    .showHelpAfterError(false)
    .exitOverride();
  for (const register of registrations) register(program);
  return program;
}
