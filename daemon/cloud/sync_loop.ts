/**
 * @module The sync worker's loop: its own SQLite connection, config reload each tick, the token
 * decrypted from `cloud_state`, and paced batches (after each batch it rests as long as the batch took
 * while capture is quiet, and eight times as long while the proxy is busy, so draining a large
 * backlog takes little CPU from live traffic). The
 * daemon runs it in a separate thread (`worker_thread.ts`); tests and benchmarks may run it
 * in-process.
 */
import { loadConfig } from "../config.ts";
import type { Config } from "../config.ts";
import type { HomePaths } from "../home.ts";
import type { Logger } from "../log.ts";
import { Store } from "../store/store.ts";
import { type CloudStateRow, outboxHighWater } from "../store/cloud.ts";
import { VERSION } from "../version.ts";
import { CloudClient } from "./client.ts";
import { fernetDecrypt } from "./credentials.ts";
import { compilePolicy, type PrivacyPolicy } from "./privacy.ts";
import { type BatchOutcome, type Clock, drainAll, SyncWorker, type WorkerState } from "./worker.ts";

/** Longest wait between two ticks. */
export const MAX_TICK_MS = 15_000;

/** Options of the loop. */
export interface SyncLoopOptions {
  paths: HomePaths;
  logger: Logger;
  /** Tick (≤ 15 s). */
  tickMs?: number;
  /** Backoff cap override (end-to-end tests). */
  backoffCapMs?: number;
  /** Rest after a batch, as a multiple of the time it took, while capture is quiet (default 1). */
  restFactor?: number;
  /** The same while capture is writing rows, i.e. the proxy is busy (default 8). */
  busyRestFactor?: number;
  clock?: Clock;
  random?: () => number;
  fetch?: typeof fetch;
  /** Called on every state change. */
  onState?: (s: WorkerState) => void;
}

/** A running loop. */
export interface SyncLoop {
  state(): WorkerState;
  /** Re-reads config and pairing now and forgets backoff. */
  wake(): void;
  /** Drains the outbox now (serialised with the loop). */
  syncNow(): Promise<{ batches: BatchOutcome[]; state: WorkerState }>;
  close(): Promise<void>;
}

/** Starts the loop. */
export function startSyncLoop(o: SyncLoopOptions): SyncLoop {
  const log = o.logger;
  const tickMs = Math.min(MAX_TICK_MS, o.tickMs ?? MAX_TICK_MS);
  const restFactor = o.restFactor ?? 1;
  const busyRestFactor = o.busyRestFactor ?? 8;
  const store = Store.open(o.paths.db);
  let cloud: Config["cloud"] | null = null;
  let policy: PrivacyPolicy | null = null;
  let lastReload = 0;
  const reload = () => {
    lastReload = Date.now();
    const r = loadConfig(o.paths.config);
    if (!r.ok) {
      if (cloud) {
        log.warn("cannot reload config.toml; keeping the previous cloud settings", {
          error: r.error,
        });
      } else log.error("cannot read config.toml; cloud sync uses the defaults", { error: r.error });
      if (cloud) return;
      const d = loadConfig("/nonexistent/halton-meter.toml");
      if (!d.ok) return;
      cloud = d.value.cloud;
    } else cloud = r.value.cloud;
    policy = compilePolicy(cloud);
  };
  reload();

  let cached: { key: string; client: CloudClient } | null = null;
  const clientFor = (st: CloudStateRow): CloudClient | null => {
    const cacheKey = st.api_key_ciphertext + "\n" + st.base_url;
    if (cached?.key === cacheKey) return cached.client;
    let key: string;
    try {
      key = Deno.readTextFileSync(o.paths.cloudKey).trim();
    } catch {
      return null;
    }
    const tok = fernetDecrypt(key, st.api_key_ciphertext);
    if (!tok.ok) return null;
    const client = new CloudClient({
      baseUrl: st.base_url,
      token: tok.value,
      userAgent: `halton-meter/${VERSION}`,
      fetch: o.fetch,
    });
    cached = { key: cacheKey, client };
    return client;
  };

  // Capture activity: the outbox high-water mark grows with every captured row. While it grows,
  // the worker yields most of the CPU to the proxy; when traffic is quiet it drains faster.
  let highWater = outboxHighWater(store);
  let busyUntil = 0;
  const proxyBusy = (): boolean => {
    const hw = outboxHighWater(store);
    if (hw !== highWater) {
      highWater = hw;
      busyUntil = Date.now() + 2000;
    }
    return Date.now() < busyUntil;
  };

  let lastState: WorkerState | null = null;
  const worker = new SyncWorker({
    store,
    client: clientFor,
    policy: () => policy!,
    bodyIntervalMs: () => cloud!.bodies.sync_interval_seconds * 1000,
    logger: log,
    clock: o.clock,
    random: o.random,
    backoffCapMs: o.backoffCapMs,
  });
  const report = () => {
    if (worker.state !== lastState) {
      lastState = worker.state;
      o.onState?.(worker.state);
    }
  };

  // One unit of work at a time: the loop and manual syncs share this chain.
  let chain: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(f: () => Promise<T>): Promise<T> => {
    const next = chain.then(f, f);
    chain = next.catch(() => {});
    return next;
  };

  let closed = false;
  const stop = new AbortController();
  let wakeUp: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  const loop = (async () => {
    while (!closed) {
      let delay = tickMs;
      const t0 = performance.now();
      try {
        delay = await exclusive(() => worker.step(stop.signal));
      } catch (e) {
        log.error("cloud worker step failed", { error: e });
      }
      report();
      if (closed) break;
      // Pacing: rest a multiple of the time the step took (network waits included).
      const factor = proxyBusy() ? busyRestFactor : restFactor;
      const rest = Math.max(
        delay > 0 ? Math.min(delay, tickMs) : 0,
        (performance.now() - t0) * factor,
      );
      await sleep(rest);
      if (Date.now() - lastReload >= tickMs) reload();
    }
  })();

  return {
    state: () => worker.state,
    wake: () => {
      reload();
      worker.wake();
      wakeUp?.();
    },
    syncNow: () =>
      exclusive(async () => {
        const batches = await drainAll(worker, stop.signal);
        report();
        return { batches, state: worker.state };
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      stop.abort();
      wakeUp?.();
      await loop;
      await chain;
      store.close();
    },
  };
}
