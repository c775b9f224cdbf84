/**
 * @module The capture proxy: `startProxy` wires the raw front listener, the internal TLS/plain
 * terminators, the pooled upstream client and the capture hooks. The proxy knows flows, never
 * providers.
 */
import type { Logger } from "../log.ts";
import { type CaMaterial, createLeafIssuer } from "./ca.ts";
import type { FlowHooks } from "./flow.ts";
import { startFront } from "./front.ts";
import { startTerminator } from "./terminator.ts";
import { createUpstream, type UpstreamOverride } from "./upstream.ts";
import { DEFAULT_INTERCEPT_HOSTS } from "./routes.ts";

export { type CaMaterial, createLeafIssuer, ensureCa, type LeafIssuer, loadCa } from "./ca.ts";
export { BASE_URL_PREFIXES, DEFAULT_INTERCEPT_HOSTS, resolveBaseUrl } from "./routes.ts";
export { type UpstreamOverride, upstreamOverrideFromEnv } from "./upstream.ts";
export type * from "./flow.ts";

/** Everything the proxy needs. */
export interface ProxyOptions {
  bind: string;
  /** 0 = ephemeral (tests). */
  port: number;
  /** Hosts to decrypt: the defaults plus `[proxy] intercept_hosts`. */
  interceptHosts: string[];
  ca: CaMaterial;
  hooks: FlowHooks;
  maxBodyBytes: number;
  maxHeaderBytes: number;
  logger: Logger;
  /** Test-only redirect of provider hosts to local fakes. */
  upstream?: UpstreamOverride;
}

/** A running proxy. */
export interface ProxyHandle {
  hostname: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the proxy and resolves once it accepts connections. */
export async function startProxy(opts: ProxyOptions): Promise<ProxyHandle> {
  const logger = opts.logger.child({ component: "proxy" });
  const upstream = createUpstream(opts.upstream);
  const issuer = createLeafIssuer(opts.ca);
  const ctx = { hooks: opts.hooks, logger, upstream, maxBodyBytes: opts.maxBodyBytes };
  const intercept = new Set(
    [...DEFAULT_INTERCEPT_HOSTS, ...opts.interceptHosts].map((h) => h.toLowerCase()),
  );
  const terminator = await startTerminator({
    issuer,
    ctx,
    intercept,
    bind: opts.bind,
    maxHeaderBytes: opts.maxHeaderBytes,
    logger,
  });
  let front;
  try {
    front = startFront({
      bind: opts.bind,
      port: opts.port,
      intercept,
      maxHeaderBytes: opts.maxHeaderBytes,
      terminator,
      upstream,
      logger,
    });
  } catch (e) {
    await terminator.close();
    await upstream.close();
    throw new Error(
      `Cannot listen on ${opts.bind}:${opts.port}: ${(e as Error).message}`,
    );
  }
  terminator.setFrontPort(front.port);
  logger.info("Proxy listening", { hostname: front.hostname, port: front.port });
  let closed = false;
  return {
    hostname: front.hostname,
    port: front.port,
    async close() {
      if (closed) return;
      closed = true;
      await front.close();
      await terminator.close();
      await upstream.close();
    },
  };
}
