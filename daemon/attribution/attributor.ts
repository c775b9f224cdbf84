/**
 * @module The attributor the capture uses: finds the client process from its loopback source
 * port, keeps each pid's process-based answers for a few seconds, and never throws.
 */
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { FlowRequest } from "../proxy/flow.ts";
import { createDarwinInspector } from "./process_darwin.ts";
import { createLinuxInspector } from "./process_linux.ts";
import { nullInspector, type ProcessInspector } from "./process.ts";
import { defaultAnswer, type ProcessAnswers, processAnswers, runChain } from "./resolvers.ts";
import type { Attribution, Attributor } from "./types.ts";

/** How long a pid's process-based answers are reused. */
export const PID_CACHE_TTL_MS = 3000;

/** The inspector for this operating system. */
export function systemInspector(): ProcessInspector {
  if (Deno.build.os === "linux") return createLinuxInspector();
  if (Deno.build.os === "darwin") return createDarwinInspector();
  return nullInspector;
}

/** Options of `createAttributor`; everything but config and logger is for tests and benchmarks. */
export interface AttributorOptions {
  config: Config;
  logger: Logger;
  inspector?: ProcessInspector;
  ttlMs?: number;
  now?: () => number;
}

/** An attributor with its cache exposed for benchmarks. */
export interface CachingAttributor extends Attributor {
  /** Forgets every cached pid. */
  clearCache(): void;
}

/**
 * Creates the attributor (see interfaces: started at request time, awaited after the exchange).
 *
 * Process lookup begins synchronously inside `resolve`, i.e. inside the capture's `onRequest`,
 * before the request is forwarded: that is the one moment the client is sure to be alive (a
 * short-lived client such as curl exits as soon as it has its response, which with a fast
 * upstream is a few milliseconds later). With netlink (Linux) the connection's socket inode is
 * an exact kernel lookup (~10 µs) and a fresh client is one of the newest pids, so the client is
 * found and its cwd, environment and parent are pinned in well under a millisecond; otherwise
 * the lookup goes on asynchronously beside the exchange.
 *
 * Caches are keyed by identities that cannot be reused while they matter: a connection by its
 * socket inode (a new connection on a reused source port has a new inode), a process by
 * `pid@start time`. Negative results are never cached.
 */
export function createAttributor(opts: AttributorOptions): CachingAttributor {
  const inspector = opts.inspector ?? systemInspector();
  const sockets = inspector.sockets;
  const ttl = opts.ttlMs ?? PID_CACHE_TTL_MS;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { expires: number; value: Promise<ProcessAnswers> }>();
  // A keep-alive connection keeps its socket: requests on it skip the owner search.
  const conns = new Map<number, { expires: number; pid: number; ident: string }>();
  const isLoopback = (a: string) =>
    a === "::1" || a.startsWith("127.") || a.startsWith("::ffff:127.") || a === "localhost";
  const prune = <V extends { expires: number }>(m: Map<unknown, V>, max: number, t: number) => {
    if (m.size > max) { for (const [k, v] of m) if (v.expires <= t) m.delete(k); }
  };

  /** The process answers of `pid`, cached per process identity; `pinned`: just snapshotted. */
  const answersFor = (pid: number, ident: string, pinned: boolean): Promise<ProcessAnswers> => {
    const t = now();
    const hit = cache.get(ident);
    if (hit && hit.expires > t) return hit.value;
    prune(cache, 256, t);
    if (!pinned) sockets?.pin(pid);
    const value = processAnswers(inspector, pid, undefined, { full: false, logger: opts.logger });
    cache.set(ident, { expires: t + ttl, value });
    value.catch(() => cache.delete(ident));
    return value;
  };

  /** Finds the client; everything before the first await runs synchronously at request time. */
  const findClient = async (
    port: number,
    address: string,
  ): Promise<{ pid: number; ident: string; pinned: boolean } | null> => {
    if (!sockets) {
      const pid = await inspector.pidForLocalPort(port, address);
      return pid === null ? null : { pid, ident: String(pid), pinned: false };
    }
    let inode = sockets.inodeNow(port, address);
    const t = now();
    if (typeof inode === "number") {
      const known = conns.get(inode);
      if (known && known.expires > t) return { pid: known.pid, ident: known.ident, pinned: false };
      const quick = sockets.quickOwner(inode);
      const ident = quick === null ? null : sockets.pin(quick);
      if (quick !== null && ident !== null) {
        prune(conns, 1024, t);
        conns.set(inode, { expires: t + ttl, pid: quick, ident });
        return { pid: quick, ident, pinned: true };
      }
    }
    if (inode === undefined) inode = await sockets.inode(port, address);
    if (inode === null) return null;
    const pid = await sockets.owner(inode);
    const ident = pid === null ? null : sockets.pin(pid);
    if (pid === null || ident === null) return null;
    prune(conns, 1024, now());
    conns.set(inode, { expires: now() + ttl, pid, ident });
    return { pid, ident, pinned: true };
  };

  return {
    async resolve(req: FlowRequest): Promise<Attribution> {
      try {
        const header = req.headers["x-halton-project"] ?? null;
        let client: { pid: number; ident: string; pinned: boolean } | null = null;
        let pidDetail: string | undefined;
        const early = header || req.pathLabel;
        if (!early) {
          if (!isLoopback(req.client.address)) {
            pidDetail = `client ${req.client.address} is not local`;
          } else {
            client = await findClient(req.client.port, req.client.address);
            if (client === null) pidDetail = `no process owns local port ${req.client.port}`;
          }
        }
        const c = client;
        return await runChain(
          {
            header,
            pathLabel: req.pathLabel,
            apiKeySha256: req.apiKeySha256,
            pid: c?.pid ?? null,
            pidDetail,
          },
          opts.config,
          () => answersFor(c!.pid, c!.ident, c!.pinned),
          false,
        );
      } catch (e) {
        opts.logger.error("Attribution failed, using the default project", {
          error: (e as Error).message,
          request_id: req.id,
        });
        const d = defaultAnswer(opts.config);
        return {
          project_id: d.project!,
          attribution_method: "default",
          trail: [{ resolver: "error", project: null, detail: (e as Error).message }, d],
          source_workdir: null,
          client_pid: null,
        };
      }
    },
    clearCache(): void {
      cache.clear();
      conns.clear();
    },
  };
}
