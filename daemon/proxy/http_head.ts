/**
 * @module Reads and parses the first HTTP/1.x request head on a raw connection, so the front can
 * route CONNECT, plain HTTP and base-URL requests and reject garbage with a clear 4xx.
 */
import { err, ok, type Result } from "../../shared/result.ts";

/** A parsed request head. */
export interface RequestHead {
  method: string;
  target: string;
  version: string;
  headers: [string, string][];
}

/** Why a head could not be read. `status` is what the client gets (0: just close). */
export interface HeadError {
  status: 0 | 400 | 431;
  message: string;
}

/** The raw head and the bytes already read past it. */
export interface ReadHead {
  head: RequestHead;
  raw: Uint8Array;
  rest: Uint8Array;
}

const CRLFCRLF = [13, 10, 13, 10];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function findEnd(buf: Uint8Array, len: number, from: number): number {
  for (let i = Math.max(0, from - 3); i + 3 < len; i++) {
    if (
      buf[i] === CRLFCRLF[0] && buf[i + 1] === CRLFCRLF[1] && buf[i + 2] === CRLFCRLF[2] &&
      buf[i + 3] === CRLFCRLF[3]
    ) return i + 4;
  }
  return -1;
}

/** Reads from `conn` until the end of the request head or `maxBytes`. */
export async function readHead(
  conn: Deno.Conn,
  maxBytes: number,
): Promise<Result<ReadHead, HeadError>> {
  let buf = new Uint8Array(Math.min(16 * 1024, maxBytes + 4));
  let len = 0;
  while (true) {
    if (len === buf.length) {
      if (len >= maxBytes + 4) {
        return err({ status: 431, message: `Request head exceeds ${maxBytes} bytes` });
      }
      const next = new Uint8Array(Math.min(buf.length * 2, maxBytes + 4));
      next.set(buf);
      buf = next;
    }
    let n: number | null;
    try {
      n = await conn.read(buf.subarray(len));
    } catch (e) {
      return err({ status: 0, message: `Connection failed: ${(e as Error).message}` });
    }
    if (n === null) {
      return err({
        status: len === 0 ? 0 : 400,
        message: "Connection closed before the request head ended",
      });
    }
    const from = len;
    len += n;
    // Reject non-HTTP bytes early instead of waiting for a CRLFCRLF that never comes.
    if (from === 0 && !/^[A-Z]/.test(String.fromCharCode(buf[0]))) {
      return err({ status: 400, message: "Request does not start with an HTTP method" });
    }
    const end = findEnd(buf, len, from);
    if (end >= 0) {
      if (end > maxBytes) {
        return err({ status: 431, message: `Request head exceeds ${maxBytes} bytes` });
      }
      const raw = buf.slice(0, end);
      const parsed = parseHead(new TextDecoder("latin1").decode(raw.subarray(0, end - 4)));
      if (!parsed.ok) return err(parsed.error);
      return ok({ head: parsed.value, raw, rest: buf.slice(end, len) });
    }
    if (len > maxBytes) {
      return err({ status: 431, message: `Request head exceeds ${maxBytes} bytes` });
    }
  }
}

/** Parses the text of a request head (without the final CRLFCRLF). */
export function parseHead(text: string): Result<RequestHead, HeadError> {
  const lines = text.split("\r\n");
  const parts = lines[0].split(" ");
  if (parts.length !== 3) {
    return err({ status: 400, message: "Malformed request line: expected METHOD TARGET HTTP/1.x" });
  }
  const [method, target, version] = parts;
  if (!TOKEN.test(method) || !/^HTTP\/1\.[01]$/.test(version) || target.length === 0) {
    return err({ status: 400, message: "Malformed request line: expected METHOD TARGET HTTP/1.x" });
  }
  const headers: [string, string][] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const c = line.indexOf(":");
    if (c <= 0 || !TOKEN.test(line.slice(0, c))) {
      return err({ status: 400, message: `Malformed header line ${i}` });
    }
    headers.push([line.slice(0, c).toLowerCase(), line.slice(c + 1).trim()]);
  }
  return ok({ method, target, version, headers });
}

/** Splits a CONNECT target `host:port` (IPv6 in brackets). Null when malformed. */
export function parseAuthority(target: string): { host: string; port: number } | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(target);
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  const host = m[1].startsWith("[") ? m[1].slice(1, -1) : m[1];
  if (host.length === 0 || host.length > 253 || host.startsWith(".") || host.endsWith("-")) {
    return null;
  }
  return { host: host.toLowerCase(), port };
}
