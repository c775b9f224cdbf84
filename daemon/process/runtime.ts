/**
 * @module The daemon's pid file (`daemon.pid`) and runtime file (`daemon.json`): how the CLI
 * finds a running daemon. Stale files (their process gone) are detected and removed.
 */
import process from "node:process";
import { z } from "zod";
import type { HomePaths } from "../home.ts";

const Addr = z.object({ hostname: z.string(), port: z.number().int().min(0).max(65535) });

/** The runtime file: where a running daemon listens. */
export const RuntimeInfo = z.object({
  pid: z.number().int().positive(),
  started_at: z.string(),
  proxy: Addr,
  dashboard: Addr.nullable(),
  version: z.string(),
});
/** The runtime file's content. */
export type RuntimeInfo = z.infer<typeof RuntimeInfo>;

/** True when a process with this pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as { code?: string }).code !== "EPERM") return false;
  }
  const state = processState(pid);
  return state !== "Z" && state !== "X" && state !== "gone";
}

/**
 * The process state letter (R, S, Z, …), "gone", or null when unknown. Reads /proc where Deno
 * lets it (it needs --allow-all there), else asks `ps`.
 */
function processState(pid: number): string | null {
  if (Deno.build.os === "linux") {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      const i = stat.lastIndexOf(")");
      return stat.slice(i + 2, i + 3);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return "gone";
    }
  }
  try {
    const out = new Deno.Command("ps", {
      args: ["-o", "stat=", "-p", String(pid)],
      stdout: "piped",
      stderr: "null",
    })
      .outputSync();
    const text = new TextDecoder().decode(out.stdout).trim();
    if (!out.success && text === "") return "gone";
    return text.slice(0, 1) || null;
  } catch {
    return null; // no ps: trust kill(0)
  }
}

/**
 * True when `pid` runs this program's daemon (`… start --foreground …`, which is how both the
 * background child and a foreground daemon run), so a pid reused by another process after a
 * crash is never mistaken for the daemon (nor sent SIGTERM). Unknown (no /proc, no ps): true.
 */
export function isDaemonProcess(pid: number): boolean {
  if (pid === Deno.pid) return true;
  let args: string[] | null = null;
  try {
    args = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0");
  } catch {
    try {
      const out = new Deno.Command("ps", {
        args: ["-o", "args=", "-p", String(pid)],
        stdout: "piped",
        stderr: "null",
      })
        .outputSync();
      if (out.success) args = new TextDecoder().decode(out.stdout).trim().split(/\s+/);
    } catch { /* no ps */ }
  }
  if (args === null) return true;
  return args.includes("start") && args.includes("--foreground");
}

/** Reads the pid file; null when absent or unreadable. */
export function readPid(paths: HomePaths): number | null {
  try {
    const n = Number(Deno.readTextFileSync(paths.pid).trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** Reads the runtime file; null when absent or malformed. */
export function readRuntime(paths: HomePaths): RuntimeInfo | null {
  try {
    const res = RuntimeInfo.safeParse(JSON.parse(Deno.readTextFileSync(paths.runtime)));
    return res.success ? res.data : null;
  } catch {
    return null;
  }
}

/** What the files say about the daemon, after removing stale ones. */
export type DaemonState =
  | { running: true; pid: number; runtime: RuntimeInfo | null }
  | { running: false; stalePid: number | null };

/** Inspects the pid file; a pid whose process is gone is stale and its files are removed. */
export function daemonState(paths: HomePaths): DaemonState {
  const pid = readPid(paths);
  if (pid !== null && isAlive(pid) && isDaemonProcess(pid)) {
    const runtime = readRuntime(paths);
    return { running: true, pid, runtime: runtime && runtime.pid === pid ? runtime : null };
  }
  if (pid !== null) removeRuntimeFiles(paths);
  else removeFile(paths.runtime);
  return { running: false, stalePid: pid };
}

/**
 * Claims the pid file for this process. Returns the pid of another live daemon when one holds
 * it (the caller refuses to start), else null.
 */
export function claimPidFile(paths: HomePaths, pid: number = Deno.pid): number | null {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      Deno.writeTextFileSync(paths.pid, `${pid}\n`, { createNew: true, mode: 0o600 });
      return null;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      const other = readPid(paths);
      if (other !== null && other !== pid && isAlive(other) && isDaemonProcess(other)) return other;
      removeRuntimeFiles(paths);
    }
  }
  Deno.writeTextFileSync(paths.pid, `${pid}\n`, { mode: 0o600 });
  return null;
}

/** Writes the runtime file atomically (temp file + rename). */
export function writeRuntime(paths: HomePaths, info: RuntimeInfo): void {
  const tmp = `${paths.runtime}.${info.pid}.tmp`;
  Deno.writeTextFileSync(tmp, JSON.stringify(info, null, 2) + "\n", { mode: 0o600 });
  Deno.renameSync(tmp, paths.runtime);
}

/** Removes the pid and runtime files. */
export function removeRuntimeFiles(paths: HomePaths): void {
  removeFile(paths.runtime);
  removeFile(paths.pid);
}

/** Removes the files only when they still belong to `pid` (a newer daemon may own them). */
export function releaseRuntimeFiles(paths: HomePaths, pid: number = Deno.pid): void {
  if (readPid(paths) === pid) removeRuntimeFiles(paths);
}

function removeFile(path: string): void {
  try {
    Deno.removeSync(path);
  } catch { /* already gone */ }
}
