/**
 * @module macOS process lookup through `lsof -nP -iTCP` (port → pid, cwd) and `ps` (environment,
 * parents). Slower than /proc, so the resolver's pid cache matters more here.
 */
import type { ProcInfo } from "./ide.ts";
import type { ProcessInspector } from "./process.ts";

async function run(cmd: string, args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
    return new TextDecoder().decode(out.stdout);
  } catch {
    return null;
  }
}

/** Parses `lsof -Fpn` output; returns the pid whose connection's local end has `port`. */
export function pidFromLsof(text: string, port: number): number | null {
  let pid: number | null = null;
  for (const line of text.split("\n")) {
    if (line.startsWith("p")) pid = Number(line.slice(1));
    else if (line.startsWith("n") && pid !== null) {
      const local = line.slice(1).split("->")[0];
      if (local.endsWith(`:${port}`) && line.includes("->")) return pid;
    }
  }
  return null;
}

/** Creates the macOS inspector. */
export function createDarwinInspector(): ProcessInspector {
  return {
    async pidForLocalPort(port: number): Promise<number | null> {
      const out = await run("lsof", ["-nP", `-iTCP:${port}`, "-sTCP:ESTABLISHED", "-Fpn"]);
      return out ? pidFromLsof(out, port) : null;
    },
    async cwd(pid: number): Promise<string | null> {
      const out = await run("lsof", ["-a", "-p", String(pid), "-d", "cwd", "-Fn"]);
      const line = out?.split("\n").find((l) => l.startsWith("n"));
      return line ? line.slice(1) : null;
    },
    async env(pid: number, name: string): Promise<string | null | undefined> {
      // `ps -E` appends the environment to the command line (own processes only).
      const out = await run("ps", ["-E", "-ww", "-o", "command=", "-p", String(pid)]);
      if (out === null || out.trim() === "") return undefined;
      const m = new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(out);
      return m ? m[1] : null;
    },
    async chain(pid: number, max: number): Promise<ProcInfo[]> {
      const out: ProcInfo[] = [];
      let cur = pid;
      while (cur > 1 && out.length < max) {
        const line = (await run("ps", ["-ww", "-o", "ppid=", "-o", "command=", "-p", String(cur)]))
          ?.trim();
        if (!line) break;
        const m = /^(\d+)\s+(.*)$/.exec(line);
        if (!m) break;
        out.push({ pid: cur, argv: m[2].split(/\s+/) });
        cur = Number(m[1]);
      }
      return out;
    },
  };
}
