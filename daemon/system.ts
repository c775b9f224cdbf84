/**
 * @module The only place the daemon's parts are wired: config → store + batch writer → CA →
 * adapters, prices, attribution → capture → proxy → local server (API + dashboard) → cloud.
 */
import { createRegistry } from "./adapters/mod.ts";
import { createAttributor } from "./attribution/mod.ts";
import { createCapture } from "./capture/capture.ts";
import type { Config } from "./config.ts";
import type { HomePaths } from "./home.ts";
import { coreRoutes } from "./local_api/core_routes.ts";
import { ROUTE_GROUPS } from "./local_api/routes.ts";
import {
  type CloudControl,
  createLocalApp,
  type LocalServer,
  serveLocalApp,
} from "./local_api/server.ts";
import type { Logger } from "./log.ts";
import { loadCa } from "./proxy/ca.ts";
import { DEFAULT_INTERCEPT_HOSTS, startProxy, upstreamOverrideFromEnv } from "./proxy/mod.ts";
import type { StoredRow } from "./store/store.ts";
import { BatchWriter, Store } from "./store/store.ts";
import { defaultPriceTable, withOverrides } from "../shared/pricing/mod.ts";
import { startCloud } from "./cloud/supervisor.ts";

/** Options for startSystem. */
export interface SystemOptions {
  logger: Logger;
  /** Overrides `[proxy].port` (`start --port`). */
  proxyPort?: number;
  /** Called after each captured row is queued (tests, benchmarks). */
  onRow?: (row: StoredRow) => void;
}

/** A running daemon. */
export interface System {
  startedAt: Date;
  proxy: { hostname: string; port: number };
  dashboard: { hostname: string; port: number };
  store: Store;
  writer: BatchWriter;
  /** Stops accepting traffic, finishes captures, flushes rows and closes the store. */
  close(): Promise<void>;
}

/** Starts every part. On failure, whatever was started is closed again and the error rethrown. */
export async function startSystem(
  paths: HomePaths,
  config: Config,
  opts: SystemOptions,
): Promise<System> {
  const log = opts.logger;
  const startedAt = new Date();
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (e) {
        log.error("shutdown step failed", { error: e });
      }
    }
  };
  try {
    const prices = withOverrides(defaultPriceTable(), config.pricing.overrides);
    if (!prices.ok) throw new Error(`Cannot parse config.toml: ${prices.error}`);
    const priceTable = prices.value;

    const store = Store.open(paths.db);
    closers.push(() => store.close());
    const writer = new BatchWriter(store, {
      onError: (e) => log.error("store write failed; rows kept for retry", { error: e }),
    });
    closers.push(() => writer.close());

    const ca = await loadCa(paths);
    const capture = createCapture({
      registry: createRegistry({ extraHosts: config.proxy.intercept_hosts }),
      prices: () => priceTable,
      attributor: createAttributor({ config, logger: log.child({ component: "attribution" }) }),
      writer,
      config,
      hostname: Deno.hostname(),
      logger: log,
      onRow: opts.onRow,
    });
    closers.push(() => capture.drain());

    const upstream = upstreamOverrideFromEnv();
    const proxy = await startProxy({
      bind: config.proxy.bind,
      port: opts.proxyPort ?? config.proxy.port,
      interceptHosts: [...new Set([...DEFAULT_INTERCEPT_HOSTS, ...config.proxy.intercept_hosts])],
      ca,
      hooks: capture,
      maxBodyBytes: config.capture.max_body_bytes,
      maxHeaderBytes: config.proxy.max_header_bytes,
      logger: log.child({ component: "proxy" }),
      ...(upstream ? { upstream } : {}),
    });
    closers.push(() => proxy.close());
    const proxyAddr = { hostname: proxy.hostname, port: proxy.port };
    if (upstream) {
      log.warn("test upstream override active (HALTON_METER_TEST_UPSTREAM)", {
        hosts: Object.keys(upstream.hosts),
      });
    }

    // The cloud supervisor syncs when paired and idles otherwise. If it cannot start, capture
    // goes on without sync (logged): a broken cloud never stops the proxy.
    let cloud: CloudControl | undefined;
    try {
      const cloudControl = await startCloud({ paths, config, logger: log });
      closers.push(() => cloudControl.close());
      cloud = cloudControl;
    } catch (e) {
      log.error("cloud supervisor failed to start; capture continues without sync", { error: e });
    }

    let dashboard: LocalServer | null = null;
    const app = createLocalApp(
      {
        store,
        config,
        paths,
        logger: log.child({ component: "local_api" }),
        startedAt,
        proxyAddr,
        cloud,
      },
      [
        coreRoutes(() => dashboard && { hostname: dashboard.hostname, port: dashboard.port }),
        ...ROUTE_GROUPS,
      ],
    );
    dashboard = await serveLocalApp(app, {
      hostname: "127.0.0.1",
      port: config.dashboard.port,
      logger: log,
    });
    const server = dashboard;
    closers.push(() => server.close());
    log.info("local api listening", { hostname: server.hostname, port: server.port });

    return {
      startedAt,
      proxy: proxyAddr,
      dashboard: { hostname: server.hostname, port: server.port },
      store,
      writer,
      close: closeAll,
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
