/**
 * @module The internal loopback servers the front splices into: one `node:https` server that
 * terminates TLS for intercepted hosts (SNICallback with per-host leaf contexts, ALPN http/1.1
 * only, TCP_NODELAY), and one `node:http` server for plain-HTTP and base-URL requests. Both run
 * the same flow handler. The front tells them who the client is through a port-keyed table.
 */
import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "../log.ts";
import type { LeafIssuer } from "./ca.ts";
import { type FlowTarget, type ForwardContext, forwardFlow, sendJsonError } from "./forward.ts";
import { redactQuery } from "./secrets.ts";
import { resolveBaseUrl } from "./routes.ts";
import { relayUpgrade } from "./upgrade.ts";

function splitHost(host: string, scheme: "https" | "http"): [string, number] {
  const i = host.lastIndexOf(":");
  if (i > 0 && /^\d+$/.test(host.slice(i + 1))) {
    return [host.slice(0, i), Number(host.slice(i + 1))];
  }
  return [host, scheme === "https" ? 443 : 80];
}

/** What the front knows about a spliced connection, keyed by the splice's local port. */
export interface SpliceInfo {
  client: { address: string; port: number };
  /** CONNECT authority for intercepted connections (`host` or `host:port`), else null. */
  authority: string | null;
}

/** The running internal servers. */
export interface Terminator {
  tlsPort: number;
  plainPort: number;
  splices: Map<number, SpliceInfo>;
  /** Tells the terminator the front's port, so absolute URLs naming the proxy are base-URL. */
  setFrontPort(port: number): void;
  close(): Promise<void>;
}

const UNKNOWN_CLIENT = { address: "", port: 0 };

/** Starts both internal servers on 127.0.0.1 with ephemeral ports. */
export async function startTerminator(opts: {
  issuer: LeafIssuer;
  ctx: ForwardContext;
  /** Hosts we hold leaf certificates for; any other SNI gets the fallback certificate. */
  intercept: Set<string>;
  /** The front's bind address (absolute URLs naming it are base-URL requests). */
  bind: string;
  maxHeaderBytes: number;
  logger: Logger;
}): Promise<Terminator> {
  const splices = new Map<number, SpliceInfo>();
  const contexts = new Map<string, tls.SecureContext>();
  const fallback = await opts.issuer.leafFor("halton-meter.invalid");

  const run = (req: http.IncomingMessage, res: http.ServerResponse, target: FlowTarget) => {
    forwardFlow(opts.ctx, req, res, target).catch((e) => {
      opts.logger.error("Proxy flow failed", { error: (e as Error)?.message ?? String(e) });
      sendJsonError(res, 502, "proxy_error", "The proxy failed to forward this request");
    });
  };

  const selfPort = { value: -1 };
  const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i;
  const isSelf = (u: URL) =>
    Number(u.port || 80) === selfPort.value &&
    (LOOPBACK.test(u.hostname) || u.hostname === opts.bind);

  const infoOf = (req: http.IncomingMessage): SpliceInfo | undefined =>
    splices.get(req.socket.remotePort ?? -1);

  const onTls = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const info = infoOf(req);
    const url = req.url ?? "/";
    let host = info?.authority ?? String(req.headers.host ?? "");
    let path = url;
    if (/^https?:\/\//i.test(url)) {
      const u = new URL(url);
      host = u.host;
      path = u.pathname + u.search;
    }
    if (!host) return sendJsonError(res, 400, "bad_request", "Request has no host");
    run(req, res, {
      mode: "mitm",
      scheme: "https",
      host,
      path,
      routePrefix: null,
      pathLabel: null,
      client: info?.client ?? UNKNOWN_CLIENT,
    });
  };

  const onPlain = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const info = infoOf(req);
    const client = info?.client ?? UNKNOWN_CLIENT;
    let url = req.url ?? "/";
    if (/^https?:\/\//i.test(url)) {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        return sendJsonError(res, 400, "bad_request", "Malformed absolute URL in request line");
      }
      if (u.protocol === "http:" && isSelf(u)) {
        // A base-URL request that also went through HTTP_PROXY (to ourselves): one flow, not two.
        url = u.pathname + u.search;
      } else {
        return run(req, res, {
          mode: "http",
          scheme: u.protocol === "https:" ? "https" : "http",
          host: u.host,
          path: u.pathname + u.search,
          routePrefix: null,
          pathLabel: null,
          client,
        });
      }
    }
    if (!url.startsWith("/")) {
      return sendJsonError(res, 400, "bad_request", "Malformed request target");
    }
    const route = resolveBaseUrl(url);
    if (!route.ok) return sendJsonError(res, 404, "unknown_prefix", redactQuery(route.error));
    run(req, res, {
      mode: "base_url",
      scheme: "https",
      host: route.value.host,
      path: route.value.path,
      routePrefix: route.value.prefix,
      pathLabel: route.value.pathLabel,
      client,
    });
  };

  const common = {
    maxHeaderSize: opts.maxHeaderBytes,
    noDelay: true,
    keepAlive: true,
    requestTimeout: 0,
    headersTimeout: 60_000,
    keepAliveTimeout: 120_000,
  };
  const tlsServer = https.createServer({
    ...common,
    key: fallback.keyPem,
    cert: fallback.certPem,
    ALPNProtocols: ["http/1.1"],
    SNICallback: (name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => {
      const host = name.toLowerCase();
      const hit = contexts.get(host);
      if (hit) return cb(null, hit);
      if (!opts.intercept.has(host)) return cb(null, undefined); // fallback cert: no leaf per stray SNI
      opts.issuer.leafFor(host).then((leaf) => {
        const sc = tls.createSecureContext({ key: leaf.keyPem, cert: leaf.certPem });
        contexts.set(host, sc);
        cb(null, sc);
      }, (e) => cb(e as Error));
    },
  }, onTls);
  const plainServer = http.createServer(common, onPlain);

  // WebSocket and other upgrades: relayed blind (not captured), never broken.
  const upgrade = (
    scheme: "https" | "http",
    req: http.IncomingMessage,
    socket: Duplex,
    head: Uint8Array,
    host: string,
    path: string,
  ) => {
    const [hostname, port] = splitHost(host, scheme);
    relayUpgrade({
      req,
      socket,
      head,
      scheme,
      host,
      path,
      upstream: opts.ctx.upstream,
      caCerts: opts.ctx.upstream.caCertsFor(hostname, port),
      logger: opts.logger,
    }).catch((e) => {
      opts.logger.warn("Upgrade relay failed", { host, error: (e as Error)?.message });
      socket.destroy();
    });
  };
  tlsServer.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Uint8Array) => {
    const info = infoOf(req);
    upgrade(
      "https",
      req,
      socket,
      head,
      info?.authority ?? String(req.headers.host ?? ""),
      req.url ?? "/",
    );
  });
  plainServer.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Uint8Array) => {
    const url = req.url ?? "/";
    if (/^https?:\/\//i.test(url)) {
      const u = new URL(url);
      return upgrade(
        u.protocol === "https:" ? "https" : "http",
        req,
        socket,
        head,
        u.host,
        u.pathname + u.search,
      );
    }
    const route = resolveBaseUrl(url);
    if (!route.ok) return socket.destroy();
    upgrade("https", req, socket, head, route.value.host, route.value.path);
  });
  // CONNECT is only understood as the first request of a connection (handled by the front).
  plainServer.on("connect", (_req: http.IncomingMessage, socket: Duplex) => {
    const body = JSON.stringify({
      error: { code: "bad_request", message: "CONNECT must be the first request on a connection" },
    });
    socket.end(
      `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${body.length}` +
        `\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  for (const s of [tlsServer, plainServer]) {
    // Belt and braces: `noDelay` must hold on every accepted socket (streamed bytes never wait).
    s.on("connection", (sock: { setNoDelay?: (v: boolean) => void }) => sock.setNoDelay?.(true));
    s.on("clientError", (e: Error & { code?: string }, socket) => {
      if (!socket.writable) return socket.destroy();
      const status = e.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
      const body = JSON.stringify({
        error: {
          code: status === 431 ? "headers_too_large" : "bad_request",
          message: status === 431
            ? `Request headers exceed ${opts.maxHeaderBytes} bytes`
            : "Malformed HTTP request",
        },
      });
      socket.end(
        `HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : "Bad Request"}` +
          `\r\ncontent-type: application/json\r\ncontent-length: ${body.length}` +
          `\r\nconnection: close\r\n\r\n${body}`,
      );
    });
  }
  const listen = (s: http.Server) =>
    new Promise<number>((resolve, reject) => {
      s.once("error", reject);
      s.listen(0, "127.0.0.1", () => resolve((s.address() as AddressInfo).port));
    });
  const tlsPort = await listen(tlsServer);
  const plainPort = await listen(plainServer);
  return {
    tlsPort,
    plainPort,
    splices,
    setFrontPort(port: number) {
      selfPort.value = port;
    },
    async close() {
      for (const s of [tlsServer, plainServer]) {
        s.closeAllConnections?.();
        await new Promise<void>((r) => s.close(() => r()));
      }
    },
  };
}
