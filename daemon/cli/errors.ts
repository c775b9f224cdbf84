/** @module CLI failures carry their exit code; main prints one line and exits with it. */

/** Exit codes shared by every command. */
export const EXIT = {
  ok: 0,
  failure: 1,
  daemonNotRunning: 2,
  notPaired: 3,
  tokenRejected: 4,
  deviceRemoved: 5,
} as const;

/** A user-facing failure: a one-line message and an exit code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.failure) {
    super(message);
    this.name = "CliError";
  }
}

/** The error every command that needs the daemon raises when it is not running. */
export function daemonNotRunning(): CliError {
  return new CliError(
    "daemon not running, start it with `halton-meter start`",
    EXIT.daemonNotRunning,
  );
}
