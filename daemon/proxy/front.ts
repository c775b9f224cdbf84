/**
 * @module The proxy's public listener: a raw `Deno.listen` socket whose first request head is
 * parsed here. `CONNECT` to an intercepted host is spliced into the internal TLS terminator;
 * `CONNECT` elsewhere becomes a blind TCP tunnel; anything else (absolute-URI HTTP, base-URL
 * mode) is spliced into the internal plain-HTTP server. Bad input gets a 400/431 and the
 * connection closes; the listener keeps serving.
 */
import type { Logger } from "../log.ts";
import { type HeadError, parseAuthority, readHead } from "./http_head.ts";
import type { Terminator } from "./terminator.ts";
import { closeQuietly, noDelay, splice, writeAll } from "./tunnel.ts";
import type { Upstream } from "./upstream.ts";

/** The running front listener. */
export interface Front {
  hostname: string;
  port: number;
  close(): Promise<void>;
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  404: "Not Found",
  431: "Request Header Fields Too Large",
  502: "Bad Gateway",
};

/** A complete, connection-closing JSON error response. */
export function errorResponse(status: number, code: string, message: string): Uint8Array {
  const body = JSON.stringify({ error: { code, message } });
  return new TextEncoder().encode(
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\ncontent-type: application/json\r\n` +
      `content-length: ${
        new TextEncoder().encode(body).length
      }\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** How long a new connection may take to send its first request head. */
export const HEAD_TIMEOUT_MS = 30_000;

const ESTABLISHED = new TextEncoder().encode("HTTP/1.1 200 Connection Established\r\n\r\n");

/** Starts the front listener. */
export function startFront(opts: {
  bind: string;
  port: number;
  intercept: Set<string>;
  maxHeaderBytes: number;
  terminator: Terminator;
  upstream: Upstream;
  logger: Logger;
}): Front {
  const listener = Deno.listen({ hostname: opts.bind, port: opts.port });
  const open = new Set<Deno.Conn>();
  const { terminator, logger } = opts;

  const reject = async (conn: Deno.Conn, e: HeadError) => {
    if (e.status !== 0) {
      const code = e.status === 431 ? "headers_too_large" : "bad_request";
      await writeAll(conn, errorResponse(e.status, code, e.message)).catch(() => {});
      logger.debug("Rejected a client request", { status: e.status, reason: e.message });
    }
    closeQuietly(conn);
  };

  const spliceInto = async (
    conn: Deno.Conn,
    port: number,
    authority: string | null,
    first: Uint8Array | null,
    head: Uint8Array,
  ) => {
    let inner: Deno.Conn;
    try {
      inner = await Deno.connect({ hostname: "127.0.0.1", port });
    } catch (e) {
      logger.error("Cannot reach the internal terminator", { error: (e as Error).message });
      await writeAll(conn, errorResponse(502, "proxy_error", "Internal terminator unreachable"))
        .catch(() => {});
      return closeQuietly(conn);
    }
    noDelay(inner);
    open.add(inner);
    const key = (inner.localAddr as Deno.NetAddr).port;
    const peer = conn.remoteAddr as Deno.NetAddr;
    terminator.splices.set(key, { client: { address: peer.hostname, port: peer.port }, authority });
    try {
      if (first) await writeAll(conn, first);
      await splice(conn, inner, head);
    } finally {
      terminator.splices.delete(key);
      open.delete(inner);
    }
  };

  const handle = async (conn: Deno.Conn) => {
    noDelay(conn);
    // A client that never finishes its first head is dropped (no slowloris on the front).
    const timer = setTimeout(() => closeQuietly(conn), HEAD_TIMEOUT_MS);
    const r = await readHead(conn, opts.maxHeaderBytes).finally(() => clearTimeout(timer));
    if (!r.ok) return reject(conn, r.error);
    const { head, raw, rest } = r.value;
    if (head.method !== "CONNECT") {
      const all = new Uint8Array(raw.length + rest.length);
      all.set(raw);
      all.set(rest, raw.length);
      return spliceInto(conn, terminator.plainPort, null, null, all);
    }
    const auth = parseAuthority(head.target);
    if (!auth) {
      return reject(conn, {
        status: 400,
        message: `Malformed CONNECT target "${head.target.slice(0, 100)}": expected host:port`,
      });
    }
    if (opts.intercept.has(auth.host)) {
      const authority = auth.port === 443 ? auth.host : `${auth.host}:${auth.port}`;
      return spliceInto(conn, terminator.tlsPort, authority, ESTABLISHED, rest);
    }
    // Blind tunnel: never decrypted, the client sees the real certificate.
    let up: Deno.Conn;
    try {
      up = await Deno.connect(opts.upstream.tunnelTarget(auth.host, auth.port));
    } catch (e) {
      const msg = `Cannot connect to ${auth.host}:${auth.port}: ${(e as Error).message}`;
      await writeAll(conn, errorResponse(502, "upstream_unreachable", msg)).catch(() => {});
      return closeQuietly(conn);
    }
    noDelay(up);
    open.add(up);
    try {
      await writeAll(conn, ESTABLISHED);
      await splice(conn, up, rest);
    } finally {
      open.delete(up);
    }
  };

  (async () => {
    for await (const conn of listener) {
      open.add(conn);
      handle(conn).catch((e) => {
        logger.warn("Proxy connection failed", { error: (e as Error)?.message ?? String(e) });
      }).finally(() => {
        open.delete(conn);
        closeQuietly(conn);
      });
    }
  })().catch(() => {/* listener closed */});

  const addr = listener.addr as Deno.NetAddr;
  return {
    hostname: addr.hostname,
    port: addr.port,
    close() {
      try {
        listener.close();
      } catch { /* closed */ }
      for (const c of open) closeQuietly(c);
      open.clear();
      return Promise.resolve();
    },
  };
}
