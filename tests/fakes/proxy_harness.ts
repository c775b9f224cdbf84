/**
 * @module Test harness: fake providers + a real proxy (temp home, fresh CA) with recording hooks
 * and a captured log, torn down by `close()`. Used by the proxy e2e tests and the benches.
 */
import { ensureCa, loadCa } from "../../daemon/proxy/ca.ts";
import type { Exchange, FlowHooks, ResponseTap } from "../../daemon/proxy/flow.ts";
import { type ProxyHandle, startProxy, upstreamOverrideFromEnv } from "../../daemon/proxy/mod.ts";
import { homePaths } from "../../daemon/home.ts";
import { createLogger } from "../../daemon/log.ts";
import { type FakeProviders, type FakeScenario, startFakeProviders } from "./mod.ts";

/** Hooks that record every call, for assertions. */
export interface RecordingHooks extends FlowHooks {
  exchanges: Exchange[];
  taps: { chunks: number; bytes: number }[];
  /** Resolves when `n` exchanges were recorded. */
  waitFor(n: number): Promise<Exchange[]>;
  /** Resolves with the first recorded exchange matching `pred` (waits for it if needed). */
  waitForMatch(pred: (ex: Exchange) => boolean): Promise<Exchange>;
}

/** How long a test waits for an exchange before failing (instead of hanging the suite). */
const WAIT_MS = 30_000;

/** Rejects with `message` when `p` has not settled within WAIT_MS. */
function withDeadline<T>(p: Promise<T>, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), WAIT_MS);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** Creates recording hooks (with a counting tap on every response). */
export function recordingHooks(extra: Partial<FlowHooks> = {}): RecordingHooks {
  const exchanges: Exchange[] = [];
  const taps: { chunks: number; bytes: number }[] = [];
  let waiters: { n: number; resolve: (e: Exchange[]) => void }[] = [];
  let matchers: { pred: (ex: Exchange) => boolean; resolve: (e: Exchange) => void }[] = [];
  return {
    exchanges,
    taps,
    waitFor(n) {
      if (exchanges.length >= n) return Promise.resolve(exchanges);
      return withDeadline(
        new Promise((resolve) => waiters.push({ n, resolve })),
        `waited ${WAIT_MS} ms for ${n} exchange(s), saw ${exchanges.length}`,
      );
    },
    waitForMatch(pred) {
      const hit = exchanges.find(pred);
      if (hit) return Promise.resolve(hit);
      return withDeadline(
        new Promise((resolve) => matchers.push({ pred, resolve })),
        `waited ${WAIT_MS} ms for a matching exchange, saw ${exchanges.length}`,
      );
    },
    onRequest: extra.onRequest,
    rewriteRequestBody: extra.rewriteRequestBody,
    onResponse(req, status, headers): ResponseTap | null {
      extra.onResponse?.(req, status, headers);
      const t = { chunks: 0, bytes: 0 };
      taps.push(t);
      return {
        chunk(b) {
          t.chunks++;
          t.bytes += b.length;
        },
      };
    },
    onExchange(ex, tap) {
      exchanges.push(ex);
      extra.onExchange?.(ex, tap);
      const ready = waiters.filter((w) => exchanges.length >= w.n);
      waiters = waiters.filter((w) => exchanges.length < w.n);
      for (const w of ready) w.resolve(exchanges);
      const hits = matchers.filter((m) => m.pred(ex));
      matchers = matchers.filter((m) => !m.pred(ex));
      for (const m of hits) m.resolve(ex);
    },
  };
}

/** A running fakes + proxy pair. */
export interface ProxyHarness {
  proxy: ProxyHandle;
  fakes: FakeProviders;
  hooks: RecordingHooks;
  home: string;
  caPemPath: string;
  caPem: string;
  logs: string[];
  proxyUrl: string;
  close(): Promise<void>;
}

/** Starts fakes and a proxy wired to them. */
export async function startProxyHarness(opts: {
  scenario?: FakeScenario;
  hooks?: RecordingHooks;
  maxBodyBytes?: number;
  maxHeaderBytes?: number;
  interceptHosts?: string[];
  /** Extra or replaced upstream redirects (host → "127.0.0.1:port"). */
  upstreamHosts?: Record<string, string>;
} = {}): Promise<ProxyHarness> {
  const fakes = await startFakeProviders({ scenario: opts.scenario });
  const home = await Deno.makeTempDir({ prefix: "hm-proxy-" });
  const paths = homePaths(home);
  await ensureCa(paths);
  const hooks = opts.hooks ?? recordingHooks();
  const logs: string[] = [];
  const proxy = await startProxy({
    bind: "127.0.0.1",
    port: 0,
    interceptHosts: opts.interceptHosts ?? [],
    ca: await loadCa(paths),
    hooks,
    maxBodyBytes: opts.maxBodyBytes ?? 1 << 20,
    maxHeaderBytes: opts.maxHeaderBytes ?? 65536,
    logger: createLogger({ level: "debug", write: (l) => logs.push(l) }),
    upstream: upstreamOverrideFromEnv({
      get: (k) =>
        k === "HALTON_METER_TEST_UPSTREAM"
          ? JSON.stringify({ ...fakes.hosts, ...opts.upstreamHosts })
          : fakes.env[k],
    }),
  });
  return {
    proxy,
    fakes,
    hooks,
    home,
    caPemPath: paths.caCert,
    caPem: await Deno.readTextFile(paths.caCert),
    logs,
    proxyUrl: `http://127.0.0.1:${proxy.port}`,
    async close() {
      await proxy.close();
      await fakes.close();
      await Deno.remove(home, { recursive: true }).catch(() => {});
    },
  };
}
