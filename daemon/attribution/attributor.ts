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

/** Creates the attributor (see interfaces: started at request time, awaited after the exchange). */
export function createAttributor(opts: AttributorOptions): CachingAttributor {
  const inspector = opts.inspector ?? systemInspector();
  const ttl = opts.ttlMs ?? PID_CACHE_TTL_MS;
  const now = opts.now ?? Date.now;
  const cache = new Map<number, { expires: number; value: Promise<ProcessAnswers> }>();
  // A keep-alive connection keeps its source port: requests on it skip the socket-table read.
  const ports = new Map<string, { expires: number; pid: number }>();
  const isLoopback = (a: string) =>
    a === "::1" || a.startsWith("127.") || a.startsWith("::ffff:127.") || a === "localhost";

  const answersFor = (pid: number): Promise<ProcessAnswers> => {
    const t = now();
    const hit = cache.get(pid);
    if (hit && hit.expires > t) return hit.value;
    if (cache.size > 256) {
      for (const [k, v] of cache) if (v.expires <= t) cache.delete(k);
    }
    const value = processAnswers(inspector, pid, undefined, { full: false, logger: opts.logger });
    cache.set(pid, { expires: t + ttl, value });
    value.catch(() => cache.delete(pid));
    return value;
  };

  return {
    async resolve(req: FlowRequest): Promise<Attribution> {
      try {
        const header = req.headers["x-halton-project"] ?? null;
        let pid: number | null = null;
        let pidDetail: string | undefined;
        const early = header || req.pathLabel;
        if (!early) {
          if (!isLoopback(req.client.address)) {
            pidDetail = `client ${req.client.address} is not local`;
          } else {
            const key = `${req.client.address}:${req.client.port}`;
            const t = now();
            const known = ports.get(key);
            if (known && known.expires > t) pid = known.pid;
            else {
              pid = await inspector.pidForLocalPort(req.client.port, req.client.address);
              if (pid === null) pidDetail = `no process owns local port ${req.client.port}`;
              else {
                if (ports.size > 1024) {
                  for (const [k, v] of ports) if (v.expires <= t) ports.delete(k);
                }
                ports.set(key, { expires: t + ttl, pid });
              }
            }
          }
        }
        return await runChain(
          { header, pathLabel: req.pathLabel, apiKeySha256: req.apiKeySha256, pid, pidDetail },
          opts.config,
          () => answersFor(pid!),
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
      ports.clear();
    },
  };
}
