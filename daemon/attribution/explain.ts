/**
 * @module `attribution explain`: runs every resolver for a pid or a directory (or this shell)
 * and reports each answer and the winner. Request-level resolvers have no request here.
 */
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { ProcessInspector } from "./process.ts";
import { processAnswers, runChain } from "./resolvers.ts";
import type { Attribution } from "./types.ts";

/** What to explain: a running process, a directory, or (neither) the calling process. */
export interface ExplainTarget {
  pid?: number;
  cwd?: string;
}

/**
 * Explains attribution for a target with the full trail. `onRcError` receives a corrupt
 * `.halton-meter.toml`'s one-line error.
 */
export async function explain(
  target: ExplainTarget,
  deps: {
    config: Config;
    inspector: ProcessInspector;
    logger: Logger;
    onRcError?: (m: string) => void;
  },
): Promise<Attribution> {
  const pid = target.cwd !== undefined ? null : target.pid ?? Deno.pid;
  const cwd = target.cwd;
  return await runChain(
    { header: null, pathLabel: null, apiKeySha256: null, pid, cwd, pidDetail: "no process" },
    deps.config,
    () =>
      processAnswers(deps.inspector, pid, cwd, {
        full: true,
        logger: deps.logger,
        onRcError: deps.onRcError,
      }),
    true,
  );
}
