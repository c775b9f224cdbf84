/**
 * @module Protocol upgrades (WebSocket, e.g. OpenAI Realtime) on intercepted or base-URL flows:
 * not captured, but never broken. The upgrade request is replayed to the upstream over verified
 * TLS (SNI and verification for the real hostname, also under the test redirect) and the two
 * sockets are then piped blind, with backpressure.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "../log.ts";
import { HOP_BY_HOP } from "./forward.ts";
import { SECRET_HEADERS } from "./secrets.ts";
import { closeQuietly, noDelay, writeAll } from "./tunnel.ts";
import type { Upstream } from "./upstream.ts";

const KEEP = new Set(["connection", "upgrade"]);

/** Relays an upgrade request to `scheme://host` + `path` and pipes both ways once connected. */
export async function relayUpgrade(opts: {
  req: IncomingMessage;
  socket: Duplex;
  head: Uint8Array;
  scheme: "https" | "http";
  host: string;
  path: string;
  upstream: Upstream;
  caCerts: string[] | undefined;
  logger: Logger;
}): Promise<void> {
  const { req, socket, logger } = opts;
  const i = opts.host.lastIndexOf(":");
  const hasPort = i > 0 && /^\d+$/.test(opts.host.slice(i + 1));
  const hostname = hasPort ? opts.host.slice(0, i) : opts.host;
  const port = hasPort ? Number(opts.host.slice(i + 1)) : opts.scheme === "https" ? 443 : 80;
  let conn: Deno.Conn;
  try {
    const tcp = await Deno.connect(opts.upstream.tunnelTarget(hostname, port));
    noDelay(tcp);
    conn = opts.scheme === "https"
      ? await Deno.startTls(tcp, { hostname, caCerts: opts.caCerts, alpnProtocols: ["http/1.1"] })
      : tcp;
  } catch (e) {
    const msg = `Cannot reach ${opts.host}: ${(e as Error).message.split("\n")[0]}`;
    const body = JSON.stringify({ error: { code: "upstream_unreachable", message: msg } });
    socket.end(
      `HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\ncontent-length: ${
        new TextEncoder().encode(body).length
      }\r\nconnection: close\r\n\r\n${body}`,
    );
    return;
  }
  let head = `${req.method} ${opts.path} HTTP/1.1\r\nhost: ${opts.host}\r\n`;
  const raw = req.rawHeaders;
  for (let k = 0; k + 1 < raw.length; k += 2) {
    const name = raw[k].toLowerCase();
    if ((HOP_BY_HOP.has(name) && !KEEP.has(name)) || name === "host") continue;
    head += `${raw[k]}: ${raw[k + 1]}\r\n`;
  }
  head += "\r\n";
  logger.debug("Relaying a protocol upgrade", {
    host: opts.host,
    headers: Object.keys(req.headers).filter((h) => !SECRET_HEADERS.has(h)),
  });
  const done = () => {
    closeQuietly(conn);
    socket.destroy();
  };
  socket.on("error", done);
  socket.on("close", done);
  try {
    await writeAll(conn, new TextEncoder().encode(head));
    if (opts.head.length) await writeAll(conn, opts.head);
  } catch {
    return done();
  }
  // client → upstream, pausing the node socket while Deno writes.
  socket.on("data", (chunk: Uint8Array) => {
    socket.pause();
    writeAll(conn, chunk).then(() => socket.resume(), done);
  });
  socket.on("end", () => conn.closeWrite().catch(done));
  // upstream → client, waiting for drain when the node socket is full.
  const buf = new Uint8Array(64 * 1024);
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      if (!socket.write(buf.slice(0, n))) {
        await new Promise<void>((r) => {
          socket.once("drain", r);
          socket.once("close", r);
        });
      }
    }
    socket.end();
  } catch {
    done();
  }
}
