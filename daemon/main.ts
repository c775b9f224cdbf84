/** @module The `halton-meter` CLI entry point that `deno compile` turns into the binary. */
import { CommanderError } from "commander";
import { buildProgram } from "./cli/mod.ts";
import { CliError, EXIT } from "./cli/errors.ts";
import { bypassProxyForLoopback } from "./local_api/client.ts";

/** Runs the CLI with argv (without the executable) and returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CliError) {
      // An empty message means the command already printed its output (e.g. `status --json`).
      if (e.message) console.error(`halton-meter: ${e.message}`);
      return e.exitCode;
    }
    if (e instanceof CommanderError) {
      // Commander already printed its one-line message (or help/version output).
      return e.exitCode === 0 ? EXIT.ok : EXIT.failure;
    }
    console.error(`halton-meter: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.failure;
  }
}

if (import.meta.main) {
  // The CLI reaches the daemon on loopback: never through HTTP(S)_PROXY, even when the shell
  // was routed through the daemon with `halton-meter env`. Set once, for this process only.
  bypassProxyForLoopback();
  const code = await run(Deno.args);
  Deno.exit(code);
}
