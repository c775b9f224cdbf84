/**
 * @module `deno task compile`: builds the `halton-meter` binary for linux x64/arm64 and darwin
 * x64/arm64 into `dist/`, with the daemon's permission flags and its runtime-read assets.
 * `deno compile` downloads Deno's base runtime (denort) per target; offline this fails with one
 * line saying so.
 *
 * Usage: deno run -A scripts/compile.ts [--target <triple>]...
 */
import { fileURLToPath } from "node:url";
import { PERMISSION_FLAGS, V8_FLAGS } from "../daemon/process/spawn.ts";

/** Targets built by default. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
] as const;

/** Files the binary reads at run time (relative to the repo root); absent ones are skipped. */
export const INCLUDES = [
  "daemon/store/migrations",
  "daemon/cloud/worker_thread.ts",
  "daemon/dashboard/assets",
];

/** The one line printed when denort cannot be downloaded. */
export const OFFLINE_MESSAGE =
  "Cannot compile: deno compile downloads Deno's base runtime (denort) from the internet, which is unreachable here";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** True when deno's stderr says the base runtime download failed on the network. */
export function isDenortDownloadFailure(stderr: string): boolean {
  const mentionsRuntime = /denort|dl\.deno\.land|base binary/i.test(stderr);
  const network =
    /error sending request|dns error|failed to lookup address|Connect|connection refused|timed out|network is unreachable|certificate/i
      .test(stderr);
  return mentionsRuntime && network;
}

/** The deno arguments that compile one target. */
export function compileArgs(target: string, includes: string[]): string[] {
  return [
    "compile",
    "--quiet",
    ...PERMISSION_FLAGS,
    ...V8_FLAGS,
    ...includes.flatMap((i) => ["--include", i]),
    "--target",
    target,
    "--output",
    `dist/halton-meter-${target}`,
    "daemon/main.ts",
  ];
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function main(args: string[]): Promise<number> {
  const targets: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--target" && args[i + 1]) targets.push(args[++i]);
    else {
      console.error(`Unknown argument "${args[i]}": use --target <${TARGETS.join("|")}>`);
      return 1;
    }
  }
  for (const t of targets) {
    if (!(TARGETS as readonly string[]).includes(t)) {
      console.error(`Unknown target "${t}": use one of ${TARGETS.join(", ")}`);
      return 1;
    }
  }
  const includes = INCLUDES.filter((p) => exists(`${ROOT}${p}`));
  await Deno.mkdir(`${ROOT}dist`, { recursive: true });
  for (const target of targets.length ? targets : TARGETS) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: compileArgs(target, includes),
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    if (!out.success) {
      if (isDenortDownloadFailure(stderr)) {
        console.error(OFFLINE_MESSAGE);
      } else {
        const line = stderr.split("\n").map((l) => l.trim()).find((l) => /^error/i.test(l)) ??
          `exit code ${out.code}`;
        console.error(`Cannot compile for ${target}: ${line.replace(/^error:\s*/i, "")}`);
      }
      return 1;
    }
    console.log(`dist/halton-meter-${target}`);
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
