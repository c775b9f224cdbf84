/**
 * @module The cloud supervisor inside the daemon: owns the sync worker's loop (a tick of at most
 * 15 s, so a fresh pairing starts syncing within one tick), reloads the `[cloud]` config, heals
 * placeholder base URLs on boot, and runs dashboard/CLI-driven pairing. The worker uses its own
 * SQLite connection and timers; capture never waits on it.
 */
import { type Config, loadConfig } from "../config.ts";
import type { HomePaths } from "../home.ts";
import type { Logger } from "../log.ts";
import { Store } from "../store/store.ts";
import { type CloudStateRow, getCloudState, patchCloudState } from "../store/cloud.ts";
import { VERSION } from "../version.ts";
import type { CloudPairing, CloudStatus } from "../../shared/schemas/cloud_status.ts";
import type { Result } from "../../shared/result.ts";
import { CloudClient, DEFAULT_CLOUD_URL, normaliseBaseUrl } from "./client.ts";
import { fernetDecrypt } from "./credentials.ts";
import { editConfigFile } from "./config_edit.ts";
import { PairingManager } from "./pairing.ts";
import { compilePolicy, type PrivacyPolicy } from "./privacy.ts";
import { computeStatus } from "./status.ts";
import { type BatchOutcome, type Clock, drainAll, SyncWorker } from "./worker.ts";

/** Longest wait between two supervisor ticks. */
export const MAX_TICK_MS = 15_000;

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
  return normaliseBaseUrl(explicit ?? env.get("HALTON_METER_CLOUD_URL") ?? cloud.base_url ?? DEFAULT_CLOUD_URL);
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
  connect(opts: { base_url?: string; poll_interval_seconds?: number; timeout_seconds?: number }): Promise<
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
}

/** Rewrites a placeholder-TLD base URL (config and pairing) to the default, with a log line. */
export async function healBaseUrl(
  paths: HomePaths,
  store: Store,
  cloud: Config["cloud"],
  logger: Logger,
): Promise<void> {
  if (cloud.base_url && isPlaceholderUrl(cloud.base_url)) {
    const r = await editConfigFile(paths.config, [{ table: ["cloud"], key: "base_url", value: DEFAULT_CLOUD_URL }]);
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

/** Starts the supervisor. */
export async function startCloud(deps: CloudDeps): Promise<CloudControl> {
  const log = deps.logger.child({ component: "cloud" });
  const env = deps.env ?? Deno.env;
  // Test-only: `HALTON_METER_TEST_CLOUD_FAST=1` shortens the tick and the backoff cap so
  // end-to-end tests observe recoveries quickly (they still wait on states, never on time).
  const fast = env.get("HALTON_METER_TEST_CLOUD_FAST") === "1";
  const tickMs = Math.min(MAX_TICK_MS, deps.tickMs ?? (fast ? 500 : MAX_TICK_MS));
  const store = Store.open(deps.paths.db);
  let cloud = deps.config.cloud;
  await healBaseUrl(deps.paths, store, cloud, log);
  let policy: PrivacyPolicy = compilePolicy(cloud);
  let lastReload = Date.now();
  const reload = () => {
    lastReload = Date.now();
    const r = loadConfig(deps.paths.config);
    if (!r.ok) {
      log.warn("cannot reload config.toml; keeping the previous cloud settings", { error: r.error });
      return;
    }
    cloud = r.value.cloud;
    policy = compilePolicy(cloud);
  };
  reload();

  let cached: { key: string; client: CloudClient } | null = null;
  const clientFor = (st: CloudStateRow): CloudClient | null => {
    const cacheKey = st.api_key_ciphertext + "\n" + st.base_url;
    if (cached?.key === cacheKey) return cached.client;
    let key: string;
    try {
      key = Deno.readTextFileSync(deps.paths.cloudKey).trim();
    } catch {
      return null;
    }
    const tok = fernetDecrypt(key, st.api_key_ciphertext);
    if (!tok.ok) return null;
    const client = new CloudClient({
      baseUrl: st.base_url,
      token: tok.value,
      userAgent: `halton-meter/${VERSION}`,
      fetch: deps.fetch,
    });
    cached = { key: cacheKey, client };
    return client;
  };

  const worker = new SyncWorker({
    store,
    client: clientFor,
    policy: () => policy,
    bodyIntervalMs: () => cloud.bodies.sync_interval_seconds * 1000,
    logger: log,
    clock: deps.clock,
    random: deps.random,
    backoffCapMs: fast ? 2000 : undefined,
  });

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
  const wake = () => {
    reload();
    worker.wake();
    wakeUp?.();
  };
  const pairing = new PairingManager({ paths: deps.paths, store, logger: log, onPaired: wake, fetch: deps.fetch });

  const loop = (async () => {
    while (!closed) {
      let delay = tickMs;
      try {
        delay = await exclusive(() => worker.step(stop.signal));
      } catch (e) {
        log.error("cloud worker step failed", { error: e });
      }
      if (closed) break;
      if (delay > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, Math.min(delay, tickMs));
          function done() {
            clearTimeout(t);
            wakeUp = null;
            resolve();
          }
          wakeUp = done;
        });
      } else {
        await new Promise((r) => setTimeout(r, 0)); // let the proxy breathe between batches
      }
      if (Date.now() - lastReload >= tickMs) reload();
    }
  })();

  return {
    status: () => computeStatus(store, cloud, { state: worker.state, pairing: pairing.current }),
    connect: (opts) =>
      pairing.start({
        baseUrl: resolveBaseUrl(opts.base_url, cloud, env),
        pollIntervalSeconds: opts.poll_interval_seconds,
        timeoutSeconds: opts.timeout_seconds,
      }),
    cancelPairing: () => pairing.cancel(),
    syncNow: () =>
      exclusive(async () => {
        const batches = await drainAll(worker, stop.signal);
        return { batches, state: worker.state };
      }),
    wake,
    close: async () => {
      if (closed) return;
      closed = true;
      stop.abort();
      wakeUp?.();
      await pairing.close().catch(() => {});
      await loop;
      await chain;
      store.close();
    },
  };
}
