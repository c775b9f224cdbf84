/**
 * @module Entry of the sync worker's thread (a Deno Web Worker): runs `startSyncLoop` off the
 * daemon's main thread, so reading SQLite, redacting and serialising batches never delays the
 * proxy. Talks to the supervisor by messages (see `ThreadIn` / `ThreadOut`); log records are
 * forwarded to the daemon's logger.
 */
/// <reference lib="deno.worker" />
import type { HomePaths } from "../home.ts";
import type { Level, Logger } from "../log.ts";
import type { BatchOutcome, WorkerState } from "./worker.ts";
import { startSyncLoop, type SyncLoop } from "./sync_loop.ts";

/** Messages to the thread. */
export type ThreadIn =
  | { type: "init"; paths: HomePaths; tickMs?: number; backoffCapMs?: number }
  | { type: "wake" }
  | { type: "sync"; id: number }
  | { type: "close" };

/** Messages from the thread. */
export type ThreadOut =
  | { type: "state"; state: WorkerState }
  | { type: "log"; level: Level; msg: string; fields?: Record<string, unknown> }
  | { type: "synced"; id: number; batches: BatchOutcome[]; state: WorkerState }
  | { type: "ready" }
  | { type: "closed" };

const post = (m: ThreadOut) => self.postMessage(m);

function forwardingLogger(base: Record<string, unknown> = {}): Logger {
  const emit = (level: Level) => (msg: string, fields?: Record<string, unknown>) =>
    post({ type: "log", level, msg, fields: { ...base, ...fields } });
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: (msg, fields) =>
      post({
        type: "log",
        level: "error",
        msg,
        fields: JSON.parse(JSON.stringify({ ...base, ...fields }, (_k, v) =>
          v instanceof Error ? { message: v.message } : v)),
      }),
    child: (f) => forwardingLogger({ ...base, ...f }),
  };
}

let loop: SyncLoop | null = null;

self.onmessage = async (e: MessageEvent<ThreadIn>) => {
  const m = e.data;
  if (m.type === "init") {
    loop = startSyncLoop({
      paths: m.paths,
      logger: forwardingLogger(),
      tickMs: m.tickMs,
      backoffCapMs: m.backoffCapMs,
      onState: (state) => post({ type: "state", state }),
    });
    post({ type: "ready" });
  } else if (m.type === "wake") loop?.wake();
  else if (m.type === "sync") {
    const r = loop ? await loop.syncNow() : { batches: [], state: "NOT-CONFIGURED" as const };
    post({ type: "synced", id: m.id, ...r });
  } else if (m.type === "close") {
    await loop?.close();
    post({ type: "closed" });
    self.close();
  }
};
