/**
 * @module `halton-meter update [--check] [--json] [--yes] [--channel stable|beta] [--to VERSION]
 * [--restart]`: compares this version with the release feed (GitHub Releases, or
 * `HALTON_METER_UPDATE_URL`) and replaces the compiled binary with the release's binary for this
 * platform after verifying it against `SHA256SUMS`. `--check` exits 0 whether or not an update
 * exists (read `--json`'s `update_available`). Under `deno run` it refuses to install (exit 1).
 * A running daemon is never touched unless `--restart` is given.
 */
import type { Command } from "commander";
import { homePaths } from "../home.ts";
import { daemonState } from "../process/runtime.ts";
import {
  applyRelease,
  type Channel,
  CHANNELS,
  checkForUpdate,
  currentRuntime,
  feedBase,
  platformTarget,
  progressLine,
  resolveInstallPath,
  toTag,
  type UpdateCheck,
} from "../update/mod.ts";
import { VERSION } from "../version.ts";
import { CliError } from "./errors.ts";

interface UpdateOpts {
  check?: boolean;
  json?: boolean;
  yes?: boolean;
  channel: string;
  to?: string;
  restart?: boolean;
  targetPath?: string;
}

/** The `--check` sentence for a comparison. */
export function checkMessage(c: UpdateCheck): string {
  if (c.update_available) return `update available: ${c.current} → ${c.latest}`;
  const where = c.pinned ? `requested: ${c.latest}` : `latest ${c.channel} release: ${c.latest}`;
  return `halton-meter ${c.current} is up to date (${where})`;
}

/** Download progress on one rewritten stderr line (a TTY only); `end()` finishes the line. */
interface ProgressPrinter {
  onProgress?: (name: string) => (received: number, total: number | null) => void;
  end(): void;
}

function progressPrinter(): ProgressPrinter {
  if (!Deno.stderr.isTerminal()) return { end() {} };
  const enc = new TextEncoder();
  let open = false;
  return {
    onProgress: (name) => {
      let last = "";
      return (received, total) => {
        const line = progressLine(name, received, total);
        if (line === last) return;
        last = line;
        open = true;
        Deno.stderr.writeSync(enc.encode(`\r${line}\x1b[K`));
      };
    },
    end() {
      if (open) Deno.stderr.writeSync(enc.encode("\n"));
      open = false;
    },
  };
}

/** Runs this CLI's `stop` then `start` with the freshly installed binary. */
async function restartDaemon(binary: string): Promise<void> {
  for (const cmd of ["stop", "start"]) {
    const out = await new Deno.Command(binary, {
      args: [cmd],
      stdin: "null",
      stdout: "inherit",
      stderr: "inherit",
    })
      .output().catch((e: Error) => {
        throw new CliError(
          `Cannot restart the daemon: \`${binary} ${cmd}\` failed to run (${
            e.message.split("\n")[0]
          })`,
        );
      });
    if (!out.success) {
      throw new CliError(
        `Cannot restart the daemon: \`halton-meter ${cmd}\` exited with ${out.code}`,
      );
    }
  }
}

async function runUpdate(opts: UpdateOpts): Promise<void> {
  if (!(CHANNELS as readonly string[]).includes(opts.channel)) {
    throw new CliError(`Invalid --channel "${opts.channel}": use ${CHANNELS.join(" or ")}`);
  }
  if (opts.json && !opts.check) throw new CliError("--json works with --check only");
  const channel = opts.channel as Channel;
  // Refuse before any network call when there is no binary of ours to replace.
  const install = opts.check ? null : resolveInstallPath(currentRuntime(), opts.targetPath);
  if (install && !install.ok) throw new CliError(install.error);

  const base = feedBase(Deno.env.get("HALTON_METER_UPDATE_URL"));
  const res = await checkForUpdate({ base, channel, version: opts.to, current: VERSION });
  if (!res.ok) throw new CliError(res.error);
  const { check, release } = res.value;
  if (opts.check) {
    console.log(opts.json ? JSON.stringify(check, null, 2) : checkMessage(check));
    return;
  }
  if (!check.update_available) {
    console.log(checkMessage(check));
    return;
  }
  if (!install?.ok) throw new Error("unreachable: the install path is resolved before --check");
  const targetPath = install.value;
  console.log(checkMessage(check));
  if (!opts.yes && Deno.stdin.isTerminal() && Deno.stdout.isTerminal()) {
    if (!confirm(`Replace ${targetPath} with ${check.latest}?`)) {
      throw new CliError("Update cancelled; nothing was changed");
    }
  }
  const progress = progressPrinter();
  const applied = await applyRelease({
    release,
    target: platformTarget(Deno.build.os, Deno.build.arch),
    targetPath,
    onProgress: progress.onProgress,
  });
  progress.end();
  if (!applied.ok) throw new CliError(applied.error);
  console.log(`Updated ${applied.value} to ${check.latest} (was ${check.current}).`);

  const state = daemonState(homePaths());
  if (!state.running) {
    if (opts.restart) console.log("The daemon is not running; nothing to restart.");
    return;
  }
  if (opts.restart) {
    console.log(`Restarting the daemon (pid ${state.pid}) on ${check.latest}…`);
    await restartDaemon(applied.value);
    return;
  }
  console.log(
    `The daemon (pid ${state.pid}) still runs ${
      state.runtime ? toTag(state.runtime.version) : check.current
    }: restart it with \`halton-meter stop && halton-meter start\` (or \`halton-meter update --restart\`).`,
  );
}

/** Registers `update`. */
export function register(program: Command): void {
  const cmd = program
    .command("update")
    .description("check the release feed for a newer version and replace this binary with it")
    .option("--check", "only compare versions (exit 0 either way; see --json)")
    .option("--json", "with --check: print {current, latest, channel, update_available, pinned}")
    .option("--yes", "do not ask for confirmation")
    .option("--channel <name>", `release channel: ${CHANNELS.join(" or ")}`, "stable")
    .option("--to <version>", "install this version (a downgrade is allowed)")
    .option("--restart", "restart a running daemon after the update");
  // Hidden: install somewhere else than the running binary (tests, custom installs).
  cmd.addOption(cmd.createOption("--target-path <path>").hideHelp());
  cmd.action((opts: UpdateOpts) => runUpdate(opts));
}
