/**
 * @module Daemon footprint: idle RSS of the real background daemon (started by the CLI in a temp
 * home, every part wired: proxy, capture, local API + dashboard, cloud supervisor), against a bare
 * Deno process with the same flags as the baseline, in the same run. Target: idle RSS ≤ 90 MB.
 * Also the CLI's `start` → listening time. Loopback only, ~15 s.
 */
import { homePaths } from "../daemon/home.ts";
import { PERMISSION_FLAGS, selfCommand, V8_FLAGS } from "../daemon/process/spawn.ts";

/** Resident set size of a process in MB (Linux /proc, else ps). */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    if (m) return Number(m[1]) / 1024;
  } catch { /* not Linux */ }
  const out = new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)], stdout: "piped" })
    .outputSync();
  return Number(new TextDecoder().decode(out.stdout).trim()) / 1024;
}

async function run(args: string[], env: Record<string, string>): Promise<string> {
  const [cmd, ...rest] = selfCommand(args);
  const out = await new Deno.Command(cmd, { args: rest, env, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const root = await Deno.makeTempDir({ prefix: "hm-bench-daemon-" });
const home = `${root}/home`;
const env = { HALTON_METER_HOME: home };
try {
  // Baseline: a bare Deno process (same permission and V8 flags) idling on one socket.
  const bare = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      ...PERMISSION_FLAGS,
      ...V8_FLAGS,
      "Deno.listen({hostname:'127.0.0.1',port:0}); setInterval(()=>{},1e6)",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await sleep(3000);
  const bareRss = rssMb(bare.pid);
  bare.kill("SIGKILL");
  await bare.status;

  await run(["init"], env);
  const paths = homePaths(home);
  const cfg = await Deno.readTextFile(paths.config);
  await Deno.writeTextFile(
    paths.config,
    cfg.replace(/^port = 8090$/m, "port = 0").replace(/^port = 3000$/m, "port = 0"),
  );
  const t0 = performance.now();
  await run(["start"], env);
  const startMs = performance.now() - t0;
  const pid = Number((await Deno.readTextFile(paths.pid)).trim());
  await sleep(3000);
  const idle = rssMb(pid);
  await run(["stop"], env);
  console.log(`bare deno process RSS:     ${bareRss.toFixed(1)} MB (baseline)`);
  console.log(
    `daemon idle RSS:           ${idle.toFixed(1)} MB (target ≤ 90 MB) ${
      idle <= 90 ? "OK" : "OVER"
    }`,
  );
  console.log(`ratio daemon/bare:         ${(idle / bareRss).toFixed(2)}×`);
  console.log(
    `start → listening:         ${
      startMs.toFixed(0)
    } ms (CLI start, background spawn, both servers up)`,
  );
} finally {
  try {
    Deno.kill(Number(Deno.readTextFileSync(`${home}/daemon.pid`).trim()), "SIGKILL");
  } catch { /* stopped already */ }
  await Deno.remove(root, { recursive: true }).catch(() => {});
}
