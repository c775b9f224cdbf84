/** @module `halton-meter project set <slug>`: writes `.halton-meter.toml` in the current directory. */
import type { Command } from "commander";
import { writeRcFile } from "../attribution/mod.ts";
import { CliError } from "./errors.ts";

/** Registers `project set`. */
export function register(program: Command): void {
  const project = program.command("project").description("the project of the current directory");
  project
    .command("set <slug>")
    .description('write .halton-meter.toml (project = "<slug>") in the current directory')
    .action((slug: string) => {
      const r = writeRcFile(Deno.cwd(), slug);
      if (!r.ok) throw new CliError(r.error);
      console.log(
        `Wrote ${r.value.path}: requests from this directory and below go to project "${slug}".`,
      );
    });
}
