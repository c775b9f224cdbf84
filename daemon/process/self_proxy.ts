/**
 * @module The daemon must never send its upstream traffic through itself. A shell that ran
 * `eval "$(halton-meter env)"` and then starts the daemon hands it HTTPS_PROXY pointing at the
 * daemon's own port, and Deno's fetch honours it: every request would loop. Such variables are
 * removed from the daemon's environment before anything starts (other proxies are kept).
 */

/** The proxy variables Deno's HTTP client reads. */
export const PROXY_VARS = [
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "ALL_PROXY",
  "all_proxy",
];

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1|0\.0\.0\.0)$/i;

/** True when a proxy URL points at this machine on `port`. */
export function pointsAtSelf(value: string, port: number): boolean {
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    return false;
  }
  const p = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
  return LOOPBACK.test(url.hostname) && p === port;
}

/** Removes the proxy variables that point at the daemon's own port; returns their names. */
export function dropSelfProxyEnv(
  port: number,
  env: { get(k: string): string | undefined; delete(k: string): void } = Deno.env,
): string[] {
  const dropped: string[] = [];
  if (port === 0) return dropped;
  for (const k of PROXY_VARS) {
    const v = env.get(k);
    if (v && pointsAtSelf(v, port)) {
      env.delete(k);
      dropped.push(k);
    }
  }
  return dropped;
}
