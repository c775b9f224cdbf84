/**
 * @module How the CLI reaches the running daemon: `daemon.json` says where it listens, the pid
 * must be alive and `/api/health` must answer.
 */
import { daemonNotRunning } from "../cli/errors.ts";
import type { HomePaths } from "../home.ts";
import { daemonState, type RuntimeInfo } from "../process/runtime.ts";
import { addrUrl } from "./core_routes.ts";

/** A connection to the running daemon's local API. */
export interface DaemonClient {
  runtime: RuntimeInfo;
  /** `http://127.0.0.1:<dashboard port>` */
  baseUrl: string;
  /** Sends a request to the local API (JSON body when given). Sets the dashboard Origin. */
  fetch(
    path: string,
    init?: {
      method?: string;
      json?: unknown;
      headers?: Record<string, string>;
      signal?: AbortSignal;
    },
  ): Promise<Response>;
  /** GET and parse JSON; throws on a non-2xx answer. */
  getJson<T>(path: string): Promise<T>;
}

/**
 * Makes this process reach loopback directly even when HTTP(S)_PROXY is set without NO_PROXY
 * (Deno's fetch would otherwise send the CLI's local API calls through the proxy).
 */
export function bypassProxyForLoopback(
  env: { get(k: string): string | undefined; set(k: string, v: string): void } = Deno.env,
): void {
  for (const k of ["NO_PROXY", "no_proxy"]) {
    const cur = (env.get(k) ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    const add = ["127.0.0.1", "localhost", "::1"].filter((h) => !cur.includes(h));
    if (add.length > 0) env.set(k, [...cur, ...add].join(","));
  }
}

/** Returns a client when the daemon runs and answers, else null. */
export async function connectDaemon(
  paths: HomePaths,
  timeoutMs = 3000,
): Promise<DaemonClient | null> {
  const state = daemonState(paths);
  if (!state.running || !state.runtime || !state.runtime.dashboard) return null;
  const runtime = state.runtime;
  const baseUrl = addrUrl(runtime.dashboard!);
  const client: DaemonClient = {
    runtime,
    baseUrl,
    fetch: (path, init = {}) => {
      const headers: Record<string, string> = { origin: baseUrl, ...(init.headers ?? {}) };
      let body: string | undefined;
      if (init.json !== undefined) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(init.json);
      }
      return fetch(baseUrl + path, {
        method: init.method ?? (body ? "POST" : "GET"),
        headers,
        body,
        signal: init.signal,
      });
    },
    getJson: async <T>(path: string): Promise<T> => {
      const res = await client.fetch(path, { signal: AbortSignal.timeout(timeoutMs * 10) });
      const text = await res.text();
      if (!res.ok) {
        throw new Error(`Daemon answered ${res.status} to GET ${path}: ${text.slice(0, 200)}`);
      }
      return JSON.parse(text) as T;
    },
  };
  try {
    const res = await client.fetch("/api/health", { signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.json().catch(() => null) as { ok?: boolean; pid?: number } | null;
    if (!res.ok || !body?.ok || body.pid !== runtime.pid) return null;
  } catch {
    return null;
  }
  return client;
}

/** Like connectDaemon, but a missing daemon throws the standard exit-2 error. */
export async function requireDaemon(paths: HomePaths): Promise<DaemonClient> {
  const c = await connectDaemon(paths);
  if (!c) throw daemonNotRunning();
  return c;
}
