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

/** Socket inode of the connection whose local port is `port`, or null. */
export function inodeForLocalPort(port: number, root = "/proc"): number | null {
  let fallback: number | null = null;
  for (const file of ["net/tcp", "net/tcp6"]) {
    const text = readText(`${root}/${file}`);
    if (!text) continue;
    // Cheap pre-filter: the port appears as 4 upper-case hex digits after a colon.
    if (!text.includes(":" + port.toString(16).toUpperCase().padStart(4, "0"))) continue;
    for (const e of parseProcNetTcp(text)) {
      if (e.localPort !== port || e.inode === 0) continue;
      if (e.state === ESTABLISHED) return e.inode;
      fallback ??= e.inode;
    }
  }
  return fallback;
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
    async pidForLocalPort(port: number): Promise<number | null> {
      // Read the socket table first, while the client's connection is surely open.
      const inode = inodeForLocalPort(port);
      if (inode === null) return null;
      const link = `socket:[${inode}]`;
      for (const pid of hot) {
        if (pidHasSocket(pid, link)) {
          remember(pid);
          return pid;
        }
      }
      let n = 0;
      for (const e of Deno.readDirSync("/proc")) {
        const pid = Number(e.name);
        if (!Number.isInteger(pid) || pid <= 0 || hot.includes(pid)) continue;
        if (pidHasSocket(pid, link)) {
          remember(pid);
          return pid;
        }
        // Yield now and then so a long scan never stalls the proxy's event loop.
        if (++n % 24 === 0) await new Promise((r) => setTimeout(r, 0));
      }
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
        out.push({ pid: cur, argv: cmd.split("\0").filter((s, i, a) => s !== "" || i < a.length - 1) });
        // Fields after the last ")" (the name may contain spaces or parentheses): state ppid …
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        if (!Number.isInteger(ppid) || ppid === cur) break;
        cur = ppid;
      }
      return Promise.resolve(out);
    },
  };
}
