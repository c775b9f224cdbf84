/**
 * @module Linux `NETLINK_SOCK_DIAG` through FFI: the socket inode of one TCP connection by its
 * exact 4-tuple, answered by a kernel hash lookup in microseconds. `/proc/net/tcp` instead walks
 * the whole established hash table on every read (4–8 ms on a host with a large table, even
 * with few sockets), which is longer than a short-lived client lives when upstream answers fast.
 * Synchronous by design: it runs at request time, while the client is surely connected.
 */

/** One end of a TCP connection. */
export interface Endpoint {
  address: string;
  port: number;
}

/** A listening TCP socket. */
export interface Listener extends Endpoint {
  inode: number;
}

/** Exact socket lookups over one netlink socket. */
export interface SockDiag {
  /**
   * Inode of the connected (not listening, not TIME_WAIT) TCP socket whose local end is `local`
   * and remote end `remote`, or null when there is none.
   */
  inode(local: Endpoint, remote: Endpoint): number | null;
  /** Every listening TCP socket of this network namespace (IPv4 and IPv6). */
  listeners(): Listener[];
  close(): void;
}

const AF_INET = 2;
const AF_INET6 = 10;
const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_SOCK_DIAG = 4;
const SOCK_DIAG_BY_FAMILY = 20;
const NLM_F_REQUEST = 1;
const NLM_F_DUMP = 0x300;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const MSG_DONTWAIT = 0x40;
const TCP_LISTEN = 10;
const REQ_LEN = 72;

/** Parses an IPv4 or IPv6 literal into [family, 16 address bytes]; null when not a literal. */
export function parseAddress(address: string): [number, Uint8Array] | null {
  const out = new Uint8Array(16);
  let a = address.replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) a = mapped[1];
  if (/^\d+\.\d+\.\d+\.\d+$/.test(a)) {
    const parts = a.split(".").map(Number);
    if (parts.some((p) => p > 255)) return null;
    out.set(parts);
    return [AF_INET, out];
  }
  if (!a.includes(":") || a.includes("%")) return null;
  const [head, tail, extra] = a.split("::");
  if (extra !== undefined) return null;
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return [AF_INET6, out];
}

function formatAddress(family: number, b: Uint8Array): string {
  if (family === AF_INET) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i] << 8) | b[i + 1]).toString(16));
  return g.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

/** Builds one `SOCK_DIAG_BY_FAMILY` request (nlmsghdr + inet_diag_req_v2). */
function request(
  family: number,
  seq: number,
  dump: boolean,
  states: number,
  local?: Uint8Array,
  localPort = 0,
  remote?: Uint8Array,
  remotePort = 0,
): Uint8Array {
  const buf = new Uint8Array(REQ_LEN);
  const v = new DataView(buf.buffer);
  v.setUint32(0, REQ_LEN, true);
  v.setUint16(4, SOCK_DIAG_BY_FAMILY, true);
  v.setUint16(6, NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0), true);
  v.setUint32(8, seq, true);
  buf[16] = family;
  buf[17] = 6; // IPPROTO_TCP
  v.setUint32(20, states >>> 0, true);
  v.setUint16(24, localPort, false);
  v.setUint16(26, remotePort, false);
  if (local) buf.set(family === AF_INET ? local.subarray(0, 4) : local, 28);
  if (remote) buf.set(family === AF_INET ? remote.subarray(0, 4) : remote, 44);
  v.setUint32(64, 0xffffffff, true); // INET_DIAG_NOCOOKIE
  v.setUint32(68, 0xffffffff, true);
  return buf;
}

type Libc = {
  socket(domain: number, type: number, protocol: number): number;
  send(fd: number, buf: Uint8Array, len: number | bigint, flags: number): number | bigint;
  recv(fd: number, buf: Uint8Array, len: number | bigint, flags: number): number | bigint;
  close(fd: number): number;
};

let shared: SockDiag | null | undefined;

/** One netlink socket for the whole process, opened on first use (its `close` is a no-op). */
export function sharedSockDiag(): SockDiag | null {
  if (shared === undefined) {
    const d = openSockDiag();
    shared = d && { inode: d.inode, listeners: d.listeners, close: () => {} };
  }
  return shared;
}

/** Opens the netlink socket; null where unsupported (not Linux, no FFI permission, no libc). */
export function openSockDiag(): SockDiag | null {
  if (Deno.build.os !== "linux") return null;
  // Never prompt: without FFI permission the socket tables are used instead.
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
  let lib: Deno.DynamicLibrary<Record<string, Deno.ForeignFunction>>;
  try {
    lib = Deno.dlopen("libc.so.6", {
      socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
      send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
      recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
      close: { parameters: ["i32"], result: "i32" },
    });
  } catch {
    return null;
  }
  const c = lib.symbols as unknown as Libc;
  const fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) {
    lib.close();
    return null;
  }
  const rbuf = new Uint8Array(32 * 1024);
  const rview = new DataView(rbuf.buffer);
  let seq = 1;
  let closed = false;

  /** Sends a request and calls `onMsg(offset)` for each inet_diag_msg of its answer. */
  const exchange = (req: Uint8Array, onMsg: (off: number) => void): boolean => {
    const s = ++seq;
    new DataView(req.buffer).setUint32(8, s, true);
    if (Number(c.send(fd, req, req.length, 0)) !== req.length) return false;
    // The kernel answers inside send (exact lookups, and a dump's first batch); later dump
    // batches are produced as earlier ones are read, so a non-blocking read never waits.
    for (let guard = 0; guard < 1000; guard++) {
      const n = Number(c.recv(fd, rbuf, rbuf.length, MSG_DONTWAIT));
      if (n <= 0) return false;
      let off = 0;
      while (off + 16 <= n) {
        const len = rview.getUint32(off, true);
        const type = rview.getUint16(off + 4, true);
        const mseq = rview.getUint32(off + 8, true);
        if (len < 16 || off + len > n) return false;
        if (mseq === s) {
          if (type === NLMSG_DONE || type === NLMSG_ERROR) return type === NLMSG_DONE;
          if (type === SOCK_DIAG_BY_FAMILY && len >= 16 + 72) {
            onMsg(off + 16);
            if (!(new DataView(req.buffer).getUint16(6, true) & NLM_F_DUMP)) return true;
          }
        }
        off += (len + 3) & ~3;
      }
    }
    return false;
  };

  return {
    inode(local: Endpoint, remote: Endpoint): number | null {
      if (closed) return null;
      const l = parseAddress(local.address);
      const r = parseAddress(remote.address);
      if (!l || !r || l[0] !== r[0]) return null;
      let inode: number | null = null;
      const req = request(l[0], 0, false, -1, l[1], local.port, r[1], remote.port);
      exchange(req, (m) => {
        const state = rbuf[m + 1];
        const sport = rview.getUint16(m + 4, false);
        const ino = rview.getUint32(m + 68, true);
        // A lookup falls back to listeners; only the connection itself counts.
        if (state !== TCP_LISTEN && sport === local.port && ino !== 0) inode = ino;
      });
      return inode;
    },
    listeners(): Listener[] {
      const out: Listener[] = [];
      if (closed) return out;
      for (const family of [AF_INET, AF_INET6]) {
        exchange(request(family, 0, true, 1 << TCP_LISTEN), (m) => {
          const fam = rbuf[m];
          out.push({
            address: formatAddress(fam, rbuf.slice(m + 8, m + 8 + (fam === AF_INET ? 4 : 16))),
            port: rview.getUint16(m + 4, false),
            inode: rview.getUint32(m + 68, true),
          });
        });
      }
      return out;
    },
    close(): void {
      if (closed) return;
      closed = true;
      c.close(fd);
      lib.close();
    },
  };
}
