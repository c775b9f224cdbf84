/**
 * @module Linux process lookup: netlink sock_diag (or, failing that, `/proc/net/tcp{,6}`) maps the
 * client's connection to a socket inode, `/proc/<pid>/fd` maps the inode to a pid. The newest and
 * recently matched pids are tried first, so a client is usually found without scanning every
 * process, and its cwd, environment and parent are pinned at once so they outlive it.
 */
import type { ProcInfo } from "./ide.ts";
import type { ProcessInspector, SocketLookup } from "./process.ts";
import { type Listener, sharedSockDiag, type SockDiag } from "./sock_diag.ts";

/** One parsed `/proc/net/tcp` line. */
export interface TcpEntry {
  localPort: number;
  remotePort: number;
  state: number;
  inode: number;
}

/** Parses `/proc/net/tcp` or `/proc/net/tcp6` text. */
export function parseProcNetTcp(text: string): TcpEntry[] {
  const out: TcpEntry[] = [];
  const lines = text.split("\n");
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i].trim().split(/\s+/);
    if (f.length < 10) continue;
    const lp = f[1].lastIndexOf(":");
    const rp = f[2].lastIndexOf(":");
    out.push({
      localPort: parseInt(f[1].slice(lp + 1), 16),
      remotePort: parseInt(f[2].slice(rp + 1), 16),
      state: parseInt(f[3], 16),
      inode: Number(f[9]),
    });
  }
  return out;
}

const ESTABLISHED = 1;
const decoder = new TextDecoder();

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/**
 * Socket inode of the connection whose local port is `port`, or null. The kernel builds these
 * files on read (milliseconds on big hosts), so they are read asynchronously, the likely family
 * first: IPv4 clients are in `tcp`, IPv6 (and dual-stack) ones in `tcp6`.
 */
export async function inodeForLocalPort(
  port: number,
  address = "127.0.0.1",
  root = "/proc",
): Promise<number | null> {
  const files = address.includes(":") && !address.startsWith("::ffff:")
    ? ["net/tcp6", "net/tcp"]
    : ["net/tcp", "net/tcp6"];
  const needle = ":" + port.toString(16).toUpperCase().padStart(4, "0") + " ";
  for (const file of files) {
    let text: string;
    try {
      text = await Deno.readTextFile(`${root}/${file}`);
    } catch {
      continue;
    }
    // Cheap pre-filter: the port appears as 4 upper-case hex digits after a colon.
    if (!text.includes(needle)) continue;
    let fallback: number | null = null;
    for (const e of parseProcNetTcp(text)) {
      if (e.localPort !== port || e.inode === 0) continue;
      if (e.state === ESTABLISHED) return e.inode;
      fallback ??= e.inode;
    }
    if (fallback !== null) return fallback;
  }
  return null;
}

function pidHasSocket(pid: number, link: string): boolean {
  let entries: Iterable<Deno.DirEntry>;
  try {
    entries = Deno.readDirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  try {
    for (const fd of entries) {
      try {
        if (Deno.readLinkSync(`/proc/${pid}/fd/${fd.name}`) === link) return true;
      } catch { /* fd closed meanwhile */ }
    }
  } catch { /* process exited meanwhile */ }
  return false;
}

/** How many of the newest pids `quickOwner` probes before the recently seen ones. */
export const QUICK_NEWEST = 16;
/** How many recently seen pids `quickOwner` probes. */
export const QUICK_HOT = 8;
/** Most time `quickOwner` spends before leaving the search to the asynchronous scan. */
export const QUICK_BUDGET_MS = 1;
/** How long a pinned process snapshot answers `cwd`, `env` and `chain`. */
export const PIN_TTL_MS = 10_000;

/** The most recently allocated pid (last field of /proc/loadavg), or null. */
function lastPid(): number | null {
  const t = readText("/proc/loadavg");
  const n = t ? Number(t.trim().split(/\s+/).pop()) : NaN;
  return Number.isInteger(n) && n > 0 ? n : null;
}

function exists(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** The process (thread group) a task id belongs to; `/proc/<tid>` exists for threads too. */
function tgidOf(tid: number): number {
  const m = /^Tgid:\s*(\d+)/m.exec(readText(`/proc/${tid}/status`) ?? "");
  return m ? Number(m[1]) : tid;
}

function liveChain(pid: number, max: number): ProcInfo[] {
  const out: ProcInfo[] = [];
  let cur = pid;
  while (cur > 0 && out.length < max) {
    const stat = readText(`/proc/${cur}/stat`);
    if (!stat) break;
    const cmd = readText(`/proc/${cur}/cmdline`) ?? "";
    out.push({ pid: cur, argv: argvOf(cmd) });
    // Fields after the last ")" (the name may contain spaces or parentheses): state ppid …
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!Number.isInteger(ppid) || ppid === cur) break;
    cur = ppid;
  }
  return out;
}

function argvOf(cmdline: string): string[] {
  return cmdline.split("\0").filter((s, i, a) => s !== "" || i < a.length - 1);
}

function readEnviron(pid: number): Map<string, string> | undefined {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(`/proc/${pid}/environ`);
  } catch {
    return undefined;
  }
  const env = new Map<string, string>();
  for (const kv of decoder.decode(bytes).split("\0")) {
    const i = kv.indexOf("=");
    if (i > 0 && !env.has(kv.slice(0, i))) env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return env;
}

interface Pinned {
  expires: number;
  cwd: string | null;
  env: Map<string, string> | undefined;
  self: ProcInfo;
  ppid: number;
}

const isWildcard = (a: string) => a === "0.0.0.0" || a === "::";
const isV4 = (a: string) => /^(::ffff:)?\d+\.\d+\.\d+\.\d+$/i.test(a);

/**
 * Creates the Linux inspector. A client's connection is found by an exact netlink lookup
 * against this process's own listeners (falling back to `/proc/net/tcp{,6}`); its owner among
 * the newest and `hotSize` recently seen pids, then by a scan of every process, newest first.
 */
export function createLinuxInspector(opts: { hotSize?: number } = {}): ProcessInspector {
  const hot: number[] = [];
  const hotSize = opts.hotSize ?? 32;
  const remember = (pid: number) => {
    const i = hot.indexOf(pid);
    if (i >= 0) hot.splice(i, 1);
    hot.unshift(pid);
    if (hot.length > hotSize) hot.pop();
  };
  const pinned = new Map<number, Pinned>();
  const pinnedOf = (pid: number): Pinned | null => {
    const p = pinned.get(pid);
    return p && p.expires > Date.now() ? p : null;
  };

  // Opened now (once per process), not on the first request.
  const diag: SockDiag | null = sharedSockDiag();
  let own: Listener[] = [];
  let ownAt = -Infinity;
  let lastPort = 0;
  const refreshOwn = () => {
    ownAt = Date.now();
    const mine = new Set<string>();
    try {
      for (const fd of Deno.readDirSync("/proc/self/fd")) {
        try {
          mine.add(Deno.readLinkSync(`/proc/self/fd/${fd.name}`));
        } catch { /* closed meanwhile */ }
      }
    } catch { /* unreadable */ }
    own = diag!.listeners().filter((l) => mine.has(`socket:[${l.inode}]`));
  };
  const tryOwn = (port: number, address: string): number | null => {
    const v4 = isV4(address);
    const order = [...own].sort((a, b) =>
      Number(b.port === lastPort) - Number(a.port === lastPort)
    );
    for (const l of order) {
      if (!isWildcard(l.address) && isV4(l.address) !== v4) continue;
      if (l.address === "0.0.0.0" && !v4) continue;
      const remote = isWildcard(l.address) ? address : l.address;
      const inode = diag!.inode({ address, port }, { address: remote, port: l.port });
      if (inode !== null) {
        lastPort = l.port;
        return inode;
      }
    }
    return null;
  };

  const sockets: SocketLookup = {
    inodeNow(port: number, address: string): number | null | undefined {
      if (diag === null) return undefined;
      if (own.length === 0 && Date.now() - ownAt > 1000) refreshOwn();
      const inode = tryOwn(port, address);
      if (inode !== null) return inode;
      // A listener opened since the last look, at most once a second; else the slow tables.
      if (Date.now() - ownAt > 1000) {
        refreshOwn();
        return tryOwn(port, address) ?? undefined;
      }
      return undefined;
    },
    inode: (port: number, address: string) => inodeForLocalPort(port, address),
    quickOwner(inode: number): number | null {
      const link = `socket:[${inode}]`;
      const tried = new Set<number>();
      const until = performance.now() + QUICK_BUDGET_MS;
      const probe = (n: number): number | null => {
        if (tried.has(n)) return null;
        tried.add(n);
        if (!pidHasSocket(n, link)) return null;
        const pid = tgidOf(n);
        remember(pid);
        return pid;
      };
      // A short-lived client (curl, a script) is one of the newest processes.
      const last = lastPid();
      if (last !== null) {
        for (let n = last; n > 0 && n > last - QUICK_NEWEST; n--) {
          if (performance.now() > until) return null;
          const pid = probe(n);
          if (pid !== null) return pid;
        }
      }
      for (const n of hot.slice(0, QUICK_HOT)) {
        if (performance.now() > until) return null;
        const pid = probe(n);
        if (pid !== null) return pid;
        if (!exists(n)) hot.splice(hot.indexOf(n), 1);
      }
      return null;
    },
    async owner(inode: number): Promise<number | null> {
      const link = `socket:[${inode}]`;
      for (const pid of hot) {
        if (pidHasSocket(pid, link)) {
          remember(pid);
          return pid;
        }
      }
      let n = 0;
      // Newest processes first: a short-lived client has one of the highest pids.
      const pids: number[] = [];
      for (const e of Deno.readDirSync("/proc")) {
        const pid = Number(e.name);
        if (Number.isInteger(pid) && pid > 0 && !hot.includes(pid)) pids.push(pid);
      }
      pids.sort((a, b) => b - a);
      for (const pid of pids) {
        if (pidHasSocket(pid, link)) {
          remember(pid);
          return pid;
        }
        // Yield now and then so a long scan never stalls the proxy's event loop.
        if (++n % 16 === 0) await new Promise((r) => setTimeout(r, 0));
      }
      return null;
    },
    pin(pid: number): string | null {
      const stat = readText(`/proc/${pid}/stat`);
      if (!stat) return null;
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      let cwd: string | null = null;
      try {
        cwd = Deno.readLinkSync(`/proc/${pid}/cwd`);
      } catch { /* unreadable */ }
      const t = Date.now();
      if (pinned.size > 256) {
        for (const [k, v] of pinned) if (v.expires <= t) pinned.delete(k);
      }
      pinned.set(pid, {
        expires: t + PIN_TTL_MS,
        cwd,
        env: readEnviron(pid),
        self: { pid, argv: argvOf(readText(`/proc/${pid}/cmdline`) ?? "") },
        ppid: Number(f[1]),
      });
      // Field 22 of stat, the start time, tells a reused pid apart.
      return `${pid}@${f[19] ?? "?"}`;
    },
  };

  return {
    sockets,
    async pidForLocalPort(port: number, address = "127.0.0.1"): Promise<number | null> {
      const inode = sockets.inodeNow(port, address) ?? await sockets.inode(port, address);
      if (inode === null) return null;
      return sockets.quickOwner(inode) ?? await sockets.owner(inode);
    },
    cwd(pid: number): Promise<string | null> {
      const p = pinnedOf(pid);
      if (p) return Promise.resolve(p.cwd);
      try {
        return Promise.resolve(Deno.readLinkSync(`/proc/${pid}/cwd`));
      } catch {
        return Promise.resolve(null);
      }
    },
    env(pid: number, name: string): Promise<string | null | undefined> {
      const p = pinnedOf(pid);
      const env = p ? p.env : readEnviron(pid);
      return Promise.resolve(env === undefined ? undefined : env.get(name) ?? null);
    },
    chain(pid: number, max: number): Promise<ProcInfo[]> {
      const p = pinnedOf(pid);
      if (!p || max < 1) return Promise.resolve(liveChain(pid, max));
      const rest = p.ppid > 0 && p.ppid !== pid ? liveChain(p.ppid, max - 1) : [];
      return Promise.resolve([p.self, ...rest]);
    },
  };
}
