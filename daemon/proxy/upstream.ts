/**
 * @module Upstream side of the proxy: Deno `fetch` over one reused `Deno.HttpClient` (pooled,
 * verified TLS), plus the test-only redirect that sends a real hostname to a local fake while
 * keeping SNI, Host and certificate verification for the real name.
 *
 * The redirect works through a tiny loopback CONNECT redirector: the override client uses it as an
 * HTTP proxy, so Deno still performs TLS to `api.openai.com` (SNI + verification against the fake
 * upstreams' CA) while the TCP bytes go to `127.0.0.1:<fake port>`.
 */
import { readHead } from "./http_head.ts";
import { closeQuietly, noDelay, splice, writeAll } from "./tunnel.ts";

/** Test-only redirect of provider hosts to local fakes. */
export interface UpstreamOverride {
  /** Real host (optionally `host:port`) → `127.0.0.1:port`. */
  hosts: Record<string, string>;
  /** PEM of the CA that signed the fakes' certificates, trusted for upstream TLS. */
  caPem: string | null;
  /** Benchmarks only: the redirect targets speak plain HTTP (absolute-form requests, no TLS). */
  plaintext?: boolean;
  /**
   * Benchmarks only: connect with TLS straight to the mapped address (its certificate must carry
   * that IP) and send the real Host header, skipping the redirector hop. SNI is then the IP.
   */
  direct?: boolean;
}

/** Reads `HALTON_METER_TEST_UPSTREAM` (JSON map) and `HALTON_METER_TEST_UPSTREAM_CA` (PEM path). */
export function upstreamOverrideFromEnv(
  env: { get(k: string): string | undefined } = Deno.env,
): UpstreamOverride | undefined {
  const raw = env.get("HALTON_METER_TEST_UPSTREAM");
  if (!raw) return undefined;
  let hosts: Record<string, string>;
  try {
    hosts = JSON.parse(raw);
  } catch (e) {
    throw new Error(`Cannot parse HALTON_METER_TEST_UPSTREAM: ${(e as Error).message}`);
  }
  const caPath = env.get("HALTON_METER_TEST_UPSTREAM_CA");
  const caPem = caPath ? Deno.readTextFileSync(caPath) : null;
  return { hosts, caPem };
}

/** The upstream transport used by the proxy. */
export interface Upstream {
  /** `fetch` through the right pooled client for this URL. */
  fetch(url: URL, init: RequestInit): Promise<Response>;
  /** Where a blind tunnel to `host:port` connects (the override, else the host itself). */
  tunnelTarget(host: string, port: number): { hostname: string; port: number };
  /** Extra CA certificates to trust for TLS to `host:port` (the test CA when redirected). */
  caCertsFor(host: string, port: number): string[] | undefined;
  close(): Promise<void>;
}

function splitAddr(addr: string): { hostname: string; port: number } {
  const i = addr.lastIndexOf(":");
  return { hostname: addr.slice(0, i), port: Number(addr.slice(i + 1)) };
}

const PROXY_ENV = [
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "ALL_PROXY",
  "http_proxy",
  "https_proxy",
  "all_proxy",
];

/**
 * Creates an HTTP client that ignores HTTP(S)_PROXY from the environment. The daemon is often
 * started from a shell where `halton-meter env` pointed HTTPS_PROXY at the daemon itself; Deno
 * reads those variables when a client is created, so they are hidden for that moment.
 */
export function createDirectClient(opts: Deno.CreateHttpClientOptions): Deno.HttpClient {
  const saved: [string, string][] = [];
  for (const k of PROXY_ENV) {
    const v = Deno.env.get(k);
    if (v !== undefined) {
      saved.push([k, v]);
      Deno.env.delete(k);
    }
  }
  try {
    return Deno.createHttpClient(opts);
  } finally {
    for (const [k, v] of saved) Deno.env.set(k, v);
  }
}

/** Creates the upstream transport. With an override it also starts the loopback redirector. */
export function createUpstream(override?: UpstreamOverride): Upstream {
  const client = createDirectClient({ poolIdleTimeout: 60_000 });
  if (!override || Object.keys(override.hosts).length === 0) {
    return {
      fetch: (url, init) => fetch(url, { ...init, client } as RequestInit),
      tunnelTarget: (hostname, port) => ({ hostname, port }),
      caCertsFor: () => undefined,
      close: () => {
        client.close();
        return Promise.resolve();
      },
    };
  }
  const map = new Map<string, { hostname: string; port: number }>();
  for (const [k, v] of Object.entries(override.hosts)) map.set(k.toLowerCase(), splitAddr(v));
  const lookup = (host: string, port: number) =>
    map.get(`${host}:${port}`) ?? (port === 443 || port === 80 ? map.get(host) : undefined);

  // Loopback CONNECT redirector used as the override client's proxy.
  const redirector = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  (async () => {
    for await (const conn of redirector) {
      conns.add(conn);
      (async () => {
        const h = await readHead(conn, 16 * 1024);
        if (!h.ok || h.value.head.method !== "CONNECT") return closeQuietly(conn);
        const [host, p] = [h.value.head.target.replace(/:\d+$/, ""), h.value.head.target];
        const port = Number(p.slice(p.lastIndexOf(":") + 1)) || 443;
        const dst = lookup(host.toLowerCase(), port) ?? { hostname: host, port };
        let up: Deno.Conn;
        try {
          up = await Deno.connect(dst);
        } catch {
          await writeAll(conn, new TextEncoder().encode("HTTP/1.1 502 Bad Gateway\r\n\r\n"))
            .catch(() => {});
          return closeQuietly(conn);
        }
        noDelay(up);
        conns.add(up);
        await writeAll(
          conn,
          new TextEncoder().encode("HTTP/1.1 200 Connection Established\r\n\r\n"),
        );
        await splice(conn, up, h.value.rest);
        conns.delete(up);
      })().catch(() => closeQuietly(conn)).finally(() => conns.delete(conn));
    }
  })().catch(() => {});
  const redirectClient = Deno.createHttpClient({
    caCerts: override.caPem ? [override.caPem] : undefined,
    proxy: { url: `http://127.0.0.1:${(redirector.addr as Deno.NetAddr).port}` },
    poolIdleTimeout: 60_000,
  });
  const plainClients = new Map<string, Deno.HttpClient>();
  const plainClientFor = (dst: { hostname: string; port: number }) => {
    const key = `${dst.hostname}:${dst.port}`;
    let c = plainClients.get(key);
    if (!c) {
      c = Deno.createHttpClient({ proxy: { transport: "tcp", ...dst } });
      plainClients.set(key, c);
    }
    return c;
  };
  const ipClient = override.direct
    ? createDirectClient({
      caCerts: override.caPem ? [override.caPem] : undefined,
      allowHost: true,
      poolIdleTimeout: 60_000,
    })
    : null;
  return {
    fetch(url, init) {
      const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
      const dst = lookup(url.hostname, port);
      if (dst && ipClient && url.protocol === "https:") {
        const headers = init.headers as Headers;
        headers.set("host", url.host);
        const to = new URL(url);
        to.hostname = dst.hostname;
        to.port = String(dst.port);
        return fetch(to, { ...init, client: ipClient } as RequestInit);
      }
      const c = !dst
        ? client
        : url.protocol === "https:" && !override.plaintext
        ? redirectClient
        : plainClientFor(dst);
      return fetch(url, { ...init, client: c } as RequestInit);
    },
    tunnelTarget: (hostname, port) => lookup(hostname, port) ?? { hostname, port },
    caCertsFor: (hostname, port) =>
      lookup(hostname, port) && override.caPem ? [override.caPem] : undefined,
    close() {
      client.close();
      redirectClient.close();
      ipClient?.close();
      for (const c of plainClients.values()) c.close();
      try {
        redirector.close();
      } catch { /* closed */ }
      for (const c of conns) closeQuietly(c);
      return Promise.resolve();
    },
  };
}
