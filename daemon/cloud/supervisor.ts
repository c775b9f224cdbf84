/**
 * @module The cloud supervisor inside the daemon: heals placeholder base URLs on boot, starts the
 * sync loop in its own thread (a tick of at most 15 s, so a fresh pairing starts syncing within
 * one tick; pairing also wakes it at once), mirrors its state for `GET /v1/cloud/state`, and runs
 * dashboard/CLI-driven pairing. The loop has its own SQLite connection, timers and thread:
 * capture never waits on it, and a dead or slow cloud cannot slow the proxy.
 */
import { type Config, loadConfig } from "../config.ts";
import type { HomePaths } from "../home.ts";
import type { Logger } from "../log.ts";
import { Store } from "../store/store.ts";
import { getCloudState, patchCloudState } from "../store/cloud.ts";
import type { CloudPairing, CloudStatus } from "../../shared/schemas/cloud_status.ts";
import type { Result } from "../../shared/result.ts";
import { DEFAULT_CLOUD_URL, normaliseBaseUrl } from "./client.ts";
import { editConfigFile } from "./config_edit.ts";
import { PairingManager } from "./pairing.ts";
import { computeStatus } from "./status.ts";
import { MAX_TICK_MS, startSyncLoop, type SyncLoop } from "./sync_loop.ts";
import type { ThreadIn, ThreadOut } from "./worker_thread.ts";
import type { BatchOutcome, Clock, WorkerState } from "./worker.ts";

export { MAX_TICK_MS };

/** Placeholder top-level domains a real base URL never uses. */
const PLACEHOLDER_TLDS = [".test", ".example", ".invalid", ".local"];

/** True when a URL's host is on a placeholder TLD (`.test`, `.example`, `.invalid`, `.local`). */
export function isPlaceholderUrl(u: string): boolean {
  try {
    const host = new URL(u).hostname.toLowerCase().replace(/\.$/, "");
    return PLACEHOLDER_TLDS.some((t) => host.endsWith(t) || host === t.slice(1));
  } catch {
    return false;
  }
}

/** The base URL to pair with: explicit > `HALTON_METER_CLOUD_URL` > config > default. */
export function resolveBaseUrl(
  explicit: string | undefined,
  cloud: Config["cloud"],
  env: { get(k: string): string | undefined } = Deno.env,
): string {
  return normaliseBaseUrl(
    explicit ?? env.get("HALTON_METER_CLOUD_URL") ?? cloud.base_url ?? DEFAULT_CLOUD_URL,
  );
}

/** The outcome of a manual sync. */
export interface SyncReport {
  batches: BatchOutcome[];
  state: string;
}

/** What the daemon, the local API and tests can do with the cloud part. */
export interface CloudControl {
  /** The status, live worker state included. */
  status(): CloudStatus;
  /** Starts a pairing (cancelling any in flight). */
  connect(
    opts: { base_url?: string; poll_interval_seconds?: number; timeout_seconds?: number },
  ): Promise<
    Result<CloudPairing, string>
  >;
  /** Cancels the pairing in flight. */
  cancelPairing(): Promise<CloudPairing | null>;
  /** Drains the outbox now, ignoring backoff; stops at the first failure. */
  syncNow(): Promise<SyncReport>;
  /** Re-reads config and pairing now and forgets backoff (after pause/resume/privacy edits). */
  wake(): void;
  /** Stops the worker and closes its connection. */
  close(): Promise<void>;
}

/** What the supervisor needs. */
export interface CloudDeps {
  paths: HomePaths;
  config: Config;
  logger: Logger;
  env?: { get(k: string): string | undefined };
  /** Supervisor tick (default and maximum 15 s). */
  tickMs?: number;
  clock?: Clock;
  random?: () => number;
  fetch?: typeof fetch;
  /** Run the loop on the caller's thread (tests); the daemon runs it in its own thread. */
  inProcess?: boolean;
}

/** Rewrites a placeholder-TLD base URL (config and pairing) to the default, with a log line. */
export async function healBaseUrl(
  paths: HomePaths,
  store: Store,
  cloud: Config["cloud"],
  logger: Logger,
): Promise<void> {
  if (cloud.base_url && isPlaceholderUrl(cloud.base_url)) {
    const r = await editConfigFile(paths.config, [{
      table: ["cloud"],
      key: "base_url",
      value: DEFAULT_CLOUD_URL,
    }]);
    logger.warn("cloud base_url is on a placeholder domain; healed to the default", {
      from: cloud.base_url,
      to: DEFAULT_CLOUD_URL,
      ok: r.ok,
    });
  }
  const st = getCloudState(store);
  if (st && isPlaceholderUrl(st.base_url)) {
    patchCloudState(store, { base_url: DEFAULT_CLOUD_URL });
    logger.warn("paired base_url is on a placeholder domain; healed to the default", {
      from: st.base_url,
      to: DEFAULT_CLOUD_URL,
    });
  }
}

/**
 * Runs the loop in its own thread and mirrors its state; same surface as `SyncLoop`. If the
 * thread cannot start (e.g. its module is missing from a compiled binary), `fallback` runs the
 * loop in-process instead, with a warning.
 */
function startThreadLoop(
  o: { paths: HomePaths; logger: Logger; tickMs: number; backoffCapMs?: number },
  fallback: () => SyncLoop,
): SyncLoop {
  let inner: SyncLoop | null = null;
  let state: WorkerState = "NOT-CONFIGURED";
  let ready = false;
  let nextId = 1;
  const waiting = new Map<number, (r: { batches: BatchOutcome[]; state: WorkerState }) => void>();
  const closed = Promise.withResolvers<void>();
  const useFallback = (why: string) => {
    if (inner) return;
    o.logger.warn("cloud worker thread unavailable; syncing on the main thread", { error: why });
    inner = fallback();
    for (const [id, resolve] of waiting) {
      waiting.delete(id);
      inner.syncNow().then(resolve);
    }
  };
  let w: Worker | null = null;
  try {
    w = new Worker(new URL("./worker_thread.ts", import.meta.url), { type: "module" });
  } catch (e) {
    useFallback((e as Error).message);
  }
  if (w) {
    w.onmessage = (e: MessageEvent<ThreadOut>) => {
      const m = e.data;
      if (m.type === "ready") ready = true;
      else if (m.type === "state") state = m.state;
      else if (m.type === "log") o.logger[m.level](m.msg, m.fields);
      else if (m.type === "synced") {
        state = m.state;
        waiting.get(m.id)?.({ batches: m.batches, state: m.state });
        waiting.delete(m.id);
      } else if (m.type === "closed") closed.resolve();
    };
    w.onerror = (e) => {
      e.preventDefault();
      if (!ready) {
        w?.terminate();
        useFallback(e.message);
      } else o.logger.error("cloud worker thread failed", { error: e.message });
      closed.resolve();
    };
    w.postMessage(
      {
        type: "init",
        paths: o.paths,
        tickMs: o.tickMs,
        backoffCapMs: o.backoffCapMs,
      } satisfies ThreadIn,
    );
  }
  const send = (m: ThreadIn) => w?.postMessage(m);
  return {
    state: () => inner ? inner.state() : state,
    wake: () => inner ? inner.wake() : send({ type: "wake" }),
    syncNow: () =>
      inner ? inner.syncNow() : new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        send({ type: "sync", id });
      }),
    close: async () => {
      if (inner) return await inner.close();
      send({ type: "close" });
      await Promise.race([closed.promise, new Promise((r) => setTimeout(r, 10_000))]);
      w?.terminate();
    },
  };
}

/** Starts the supervisor: heals the base URL, starts the loop (in its own thread unless `inProcess`). */
export async function startCloud(deps: CloudDeps): Promise<CloudControl> {
  const log = deps.logger.child({ component: "cloud" });
  const env = deps.env ?? Deno.env;
  // Test-only: `HALTON_METER_TEST_CLOUD_FAST=1` shortens the tick and the backoff cap so
  // end-to-end tests observe recoveries quickly (they still wait on states, never on time).
  const fast = env.get("HALTON_METER_TEST_CLOUD_FAST") === "1";
  const tickMs = Math.min(MAX_TICK_MS, deps.tickMs ?? (fast ? 500 : MAX_TICK_MS));
  const backoffCapMs = fast ? 2000 : undefined;
  const store = Store.open(deps.paths.db);
  await healBaseUrl(deps.paths, store, deps.config.cloud, log);
  const inProcess = () =>
    startSyncLoop({
      paths: deps.paths,
      logger: log,
      tickMs,
      backoffCapMs,
      clock: deps.clock,
      random: deps.random,
      fetch: deps.fetch,
    });
  // The sync loop (and its thread, a whole V8 isolate) starts only once this machine is paired:
  // at boot when it already is, else on pairing (`wake`) or at the next supervisor tick.
  let running: SyncLoop | null = null;
  const isPaired = () => getCloudState(store) !== null;
  const ensureLoop = (): SyncLoop =>
    running ??= deps.inProcess
      ? inProcess()
      : startThreadLoop({ paths: deps.paths, logger: log, tickMs, backoffCapMs }, inProcess);
  if (isPaired()) ensureLoop();
  const supervisorTick = running ? undefined : setInterval(() => {
    if (!running && isPaired()) ensureLoop();
    if (running) clearInterval(supervisorTick);
  }, tickMs);
  if (supervisorTick !== undefined) Deno.unrefTimer(supervisorTick);
  const loop: SyncLoop = {
    state: () => running ? running.state() : "NOT-CONFIGURED",
    wake: () => {
      if (running || isPaired()) ensureLoop().wake();
    },
    syncNow: () => ensureLoop().syncNow(),
    close: async () => {
      clearInterval(supervisorTick);
      await running?.close();
    },
  };
  const cloudConfig = (): Config["cloud"] => {
    const r = loadConfig(deps.paths.config);
    return r.ok ? r.value.cloud : deps.config.cloud;
  };
  const pairing = new PairingManager({
    paths: deps.paths,
    store,
    logger: log,
    onPaired: () => loop.wake(),
    fetch: deps.fetch,
  });
  let closed = false;
  return {
    status: () =>
      computeStatus(store, cloudConfig(), { state: loop.state(), pairing: pairing.current }),
    connect: (opts) =>
      pairing.start({
        baseUrl: resolveBaseUrl(opts.base_url, cloudConfig(), env),
        pollIntervalSeconds: opts.poll_interval_seconds,
        timeoutSeconds: opts.timeout_seconds,
      }),
    cancelPairing: () => pairing.cancel(),
    syncNow: () => loop.syncNow(),
    wake: () => loop.wake(),
    close: async () => {
      if (closed) return;
      closed = true;
      await pairing.close().catch(() => {});
      await loop.close();
      store.close();
    },
  };
}
