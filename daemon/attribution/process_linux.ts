/**
 * @module Linux process lookup through /proc: `/proc/net/tcp{,6}` maps the client's source port to
 * a socket inode, `/proc/<pid>/fd` maps the inode to a pid. Pids that recently matched are tried
 * first, so a busy client is found without scanning every process.
 */
import type { ProcInfo } from "./ide.ts";
import type { ProcessInspector } from "./process.ts";

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

/** Creates the Linux inspector. `hotSize` recent pids are tried before a full /proc scan. */
export function createLinuxInspector(opts: { hotSize?: number } = {}): ProcessInspector {
  const hot: number[] = [];
  const hotSize = opts.hotSize ?? 32;
  const remember = (pid: number) => {
    const i = hot.indexOf(pid);
    if (i >= 0) hot.splice(i, 1);
    hot.unshift(pid);
    if (hot.length > hotSize) hot.pop();
  };

  return {
    async pidForLocalPort(port: number, address?: string): Promise<number | null> {
      // Read the socket table first, while the client's connection is surely open.
      const T0 = performance.now();
      const inode = await inodeForLocalPort(port, address);
      console.error("DBG inode", port, inode, (performance.now() - T0).toFixed(2));
      if (inode === null) return null;
      const link = `socket:[${inode}]`;
      for (const pid of hot) {
        if (pidHasSocket(pid, link)) {
          remember(pid);
          return pid;
        }
      }
      let n = 0;
      // Newest processes first: a short-lived client (curl, a script) has one of the highest pids
      // and must be found before it exits.
      const pids: number[] = [];
      for (const e of Deno.readDirSync("/proc")) {
        const pid = Number(e.name);
        if (Number.isInteger(pid) && pid > 0 && !hot.includes(pid)) pids.push(pid);
      }
      pids.sort((a, b) => b - a);
      console.error("DBG scan", pids.length, pids.slice(0,5).join(","), (performance.now() - T0).toFixed(2));
      for (const pid of pids) {
        if (pidHasSocket(pid, link)) {
          remember(pid);
          console.error("DBG found", pid, n, (performance.now() - T0).toFixed(2));
          return pid;
        }
        // Yield now and then so a long scan never stalls the proxy's event loop.
        if (++n % 16 === 0) await new Promise((r) => setTimeout(r, 0));
      }
      console.error("DBG notfound", (performance.now() - T0).toFixed(2));
      return null;
    },
    cwd(pid: number): Promise<string | null> {
      try {
        return Promise.resolve(Deno.readLinkSync(`/proc/${pid}/cwd`));
      } catch {
        return Promise.resolve(null);
      }
    },
    env(pid: number, name: string): Promise<string | null | undefined> {
      let bytes: Uint8Array;
      try {
        bytes = Deno.readFileSync(`/proc/${pid}/environ`);
      } catch {
        return Promise.resolve(undefined);
      }
      const prefix = name + "=";
      for (const kv of decoder.decode(bytes).split("\0")) {
        if (kv.startsWith(prefix)) return Promise.resolve(kv.slice(prefix.length));
      }
      return Promise.resolve(null);
    },
    chain(pid: number, max: number): Promise<ProcInfo[]> {
      const out: ProcInfo[] = [];
      let cur = pid;
      while (cur > 0 && out.length < max) {
        const stat = readText(`/proc/${cur}/stat`);
        if (!stat) break;
        const cmd = readText(`/proc/${cur}/cmdline`) ?? "";
        out.push({
          pid: cur,
          argv: cmd.split("\0").filter((s, i, a) => s !== "" || i < a.length - 1),
        });
        // Fields after the last ")" (the name may contain spaces or parentheses): state ppid …
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        if (!Number.isInteger(ppid) || ppid === cur) break;
        cur = ppid;
      }
      return Promise.resolve(out);
    },
  };
}
