/**
 * @module Proxy benchmark: one local HTTPS upstream, measured direct (HTTPS), through TLS interception
 * (HTTPS_PROXY-style CONNECT + our CA) and through base-URL mode, at concurrency 1 and 16; plus SSE
 * time to first event and per-event lateness, and the proxy's RSS idle and under load (the proxy
 * runs in a child process; RSS from /proc/<pid>/status). Prints ratios against the direct baseline
 * measured in the same run. `mitmdump` (regular proxy mode, intercepting) is a reference row
 * when installed.
 *
 * Other benches can reuse `startBenchUpstream` and `spawnProxyChild({ hooksModule })` to run the
 * proxy with their own hooks (a module exporting `createHooks(): FlowHooks | Promise<FlowHooks>`).
 *
 * Usage: deno run -A scripts/bench_proxy.ts [--quick]
 */
import http from "node:http";
import https from "node:https";
import { generateCa, issueLeaf } from "../daemon/proxy/ca.ts";
import type { AddressInfo } from "node:net";
import type { FlowHooks } from "../daemon/proxy/flow.ts";
import { V8_FLAGS } from "../daemon/process/spawn.ts";

const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const SELF = new URL(import.meta.url).pathname;
const enc = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// Upstream

/** A local HTTPS upstream (own CA; cert for api.openai.com and 127.0.0.1) like OpenAI chat. */
export interface BenchUpstream {
  port: number;
  /** PEM of the CA that signed the upstream's certificate. */
  caPem: string;
  caPemPath: string;
  close(): Promise<void>;
}

const JSON_BODY = enc.encode(JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1782321902,
  model: "gpt-4o-mini-2024-07-18",
  choices: [{ index: 0, message: { role: "assistant", content: "Olá!" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 20, completion_tokens: 2, total_tokens: 22 },
}));

/**
 * Starts the upstream. `x-bench-sse: <events>,<intervalMs>` answers SSE whose events carry their
 * send time (`performance.timeOrigin + performance.now()`), so lateness is exact in-process.
 */
export async function startBenchUpstream(): Promise<BenchUpstream> {
  const ca = await generateCa("halton-meter bench upstream CA");
  const leaf = await issueLeaf(ca, ["api.openai.com", "127.0.0.1"]);
  const dir = await Deno.makeTempDir({ prefix: "hm-bench-up-" });
  const caPemPath = `${dir}/ca.pem`;
  await Deno.writeTextFile(caPemPath, ca.certPem);
  const opts = {
    noDelay: true,
    keepAliveTimeout: 60_000,
    key: leaf.keyPem,
    cert: leaf.certPem,
    ALPNProtocols: ["http/1.1"],
  };
  const server = https.createServer(opts, (req: http.IncomingMessage, res: http.ServerResponse) => {
    req.on("data", () => {});
    req.on("end", () => {
      const sse = req.headers["x-bench-sse"];
      if (!sse) {
        res.writeHead(200, {
          "content-type": "application/json",
          "content-length": JSON_BODY.length,
          "x-request-id": "req_bench",
        });
        res.end(JSON_BODY);
        return;
      }
      const [n, interval] = String(sse).split(",").map(Number);
      res.writeHead(200, { "content-type": "text/event-stream", "x-request-id": "req_bench" });
      let i = 0;
      const send = () => {
        if (res.destroyed) return;
        if (i === n) return res.end("data: [DONE]\n\n");
        const t = performance.timeOrigin + performance.now();
        res.write(`data: {"i":${i},"t":${t},"choices":[{"delta":{"content":"x"}}]}\n\n`);
        i++;
        setTimeout(send, interval);
      };
      send();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    caPem: ca.certPem,
    caPemPath,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }).then(() => Deno.remove(dir, { recursive: true }).catch(() => {})),
  };
}

// ---------------------------------------------------------------------------------------------
// Proxy in a child process

/** A proxy running in a child process. */
export interface ProxyChild {
  port: number;
  pid: number;
  caPem: string;
  /** Resident set size of the child, KiB (Linux /proc; null elsewhere). */
  rssKb(): number | null;
  /** Exchanges seen by the child's hooks so far. */
  stats(): Promise<{ exchanges: number; tapBytes: number }>;
  close(): Promise<void>;
}

/** Spawns the proxy (all default hosts redirected to the bench upstream over TLS) with hooks. */
export async function spawnProxyChild(opts: {
  upstreamPort: number;
  /** The upstream CA PEM file (from `startBenchUpstream`). */
  upstreamCaPath: string;
  /** Module exporting `createHooks()`; default: counting hooks. */
  hooksModule?: string;
  env?: Record<string, string>;
}): Promise<ProxyChild> {
  const spec = JSON.stringify({
    upstreamPort: opts.upstreamPort,
    upstreamCaPath: opts.upstreamCaPath,
    hooksModule: opts.hooksModule,
  });
  // The daemon's own V8 flags, so the figures are those of the shipped configuration.
  const v8 = Deno.env.get("BENCH_PROXY_V8_FLAGS")?.split(" ").filter(Boolean) ?? [...V8_FLAGS];
  const args = ["run", "-A", ...v8, "--config", CONFIG, SELF, "--child", spec];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env: { NO_COLOR: "1", ...opts.env },
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  const nextLine = async (): Promise<string> => {
    while (!buf.includes("\n")) {
      const r = await lines.read();
      if (r.done) throw new Error("Proxy child exited before answering");
      buf += r.value;
    }
    const i = buf.indexOf("\n");
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    return line;
  };
  const ready = JSON.parse(await nextLine()) as { port: number; caPem: string };
  const writer = child.stdin.getWriter();
  return {
    port: ready.port,
    pid: child.pid,
    caPem: ready.caPem,
    rssKb: () => rssKb(child.pid),
    async stats() {
      await writer.write(enc.encode("stats\n"));
      return JSON.parse(await nextLine());
    },
    async close() {
      await writer.close().catch(() => {});
      await child.status;
      await lines.cancel().catch(() => {});
    },
  };
}

/** VmRSS of a process in KiB, or null when /proc is unavailable. */
export function rssKb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function childMain(spec: string): Promise<void> {
  const { upstreamPort, upstreamCaPath, hooksModule } = JSON.parse(spec) as {
    upstreamPort: number;
    upstreamCaPath: string;
    hooksModule?: string;
  };
  const { ensureCa, loadCa, startProxy, DEFAULT_INTERCEPT_HOSTS } = await import(
    "../daemon/proxy/mod.ts"
  );
  const { homePaths } = await import("../daemon/home.ts");
  const { createLogger } = await import("../daemon/log.ts");
  const home = await Deno.makeTempDir({ prefix: "hm-bench-" });
  const paths = homePaths(home);
  await ensureCa(paths);
  let exchanges = 0;
  let tapBytes = 0;
  let hooks: FlowHooks = {
    onResponse: () => ({ chunk: (b) => void (tapBytes += b.length) }),
    onExchange: () => void exchanges++,
  };
  if (hooksModule) {
    const mod = await import(new URL(hooksModule, `file://${Deno.cwd()}/`).href);
    const custom: FlowHooks = await mod.createHooks();
    hooks = {
      ...custom,
      onExchange(ex, tap) {
        exchanges++;
        custom.onExchange(ex, tap);
      },
    };
  }
  const hosts: Record<string, string> = {};
  for (const h of DEFAULT_INTERCEPT_HOSTS) hosts[h] = `127.0.0.1:${upstreamPort}`;
  const proxy = await startProxy({
    bind: "127.0.0.1",
    port: 0,
    interceptHosts: [],
    ca: await loadCa(paths),
    hooks,
    maxBodyBytes: 1 << 20,
    maxHeaderBytes: 65536,
    logger: createLogger({ level: "error" }),
    upstream: { hosts, caPem: await Deno.readTextFile(upstreamCaPath), direct: true },
  });
  console.log(JSON.stringify({ port: proxy.port, caPem: await Deno.readTextFile(paths.caCert) }));
  const input = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
  for await (const chunk of input) {
    for (const line of chunk.split("\n")) {
      if (line.trim() === "stats") console.log(JSON.stringify({ exchanges, tapBytes }));
    }
  }
  await proxy.close();
  await Deno.remove(home, { recursive: true }).catch(() => {});
  Deno.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Load generation

/** Latency percentiles (ms) and throughput for one scenario. */
export interface LoadResult {
  p50: number;
  p99: number;
  rps: number;
  n: number;
  errors: number;
  /** Sorted latencies (ms) and wall time (s), so rounds can be merged. */
  samples: number[];
  seconds: number;
}

/** Merges rounds of one scenario: percentiles over all samples, req/s over total time. */
export function mergeLoad(parts: LoadResult[]): LoadResult {
  const samples = parts.flatMap((p) => p.samples).sort((a, b) => a - b);
  const seconds = parts.reduce((n, p) => n + p.seconds, 0);
  return {
    p50: pct(samples, 50),
    p99: pct(samples, 99),
    rps: samples.length / seconds,
    n: samples.length,
    errors: parts.reduce((n, p) => n + p.errors, 0),
    samples,
    seconds,
  };
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `once` with `concurrency` workers until `total` requests or `maxMs` elapsed. */
export async function load(
  once: () => Promise<void>,
  opts: { concurrency: number; total: number; maxMs: number },
): Promise<LoadResult> {
  const samples: number[] = [];
  let errors = 0;
  let started = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (started < opts.total && performance.now() - t0 < opts.maxMs) {
      started++;
      const s = performance.now();
      try {
        await once();
        samples.push(performance.now() - s);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  samples.sort((a, b) => a - b);
  return {
    p50: pct(samples, 50),
    p99: pct(samples, 99),
    rps: samples.length / elapsed,
    n: samples.length,
    errors,
    samples,
    seconds: elapsed,
  };
}

/** SSE figures: time to first event, and per-event lateness (arrival - send time), ms. */
export interface SseResult {
  ttfeP50: number;
  latenessP50: number;
  latenessP95: number;
  events: number;
  /** Raw samples (ms), so runs can be merged. */
  ttfe: number[];
  late: number[];
}

function sseResult(ttfe: number[], late: number[]): SseResult {
  ttfe.sort((a, b) => a - b);
  late.sort((a, b) => a - b);
  return {
    ttfeP50: pct(ttfe, 50),
    latenessP50: pct(late, 50),
    latenessP95: pct(late, 95),
    events: late.length,
    ttfe,
    late,
  };
}

/** Runs `streams` sequential SSE requests of `events` events every `intervalMs`. */
export async function sse(
  open: (headers: Record<string, string>) => Promise<Response>,
  opts: { streams: number; events: number; intervalMs: number },
): Promise<SseResult> {
  const ttfe: number[] = [];
  const late: number[] = [];
  const dec = new TextDecoder();
  for (let s = 0; s < opts.streams; s++) {
    const t0 = performance.now();
    const r = await open({ "x-bench-sse": `${opts.events},${opts.intervalMs}` });
    const reader = r.body!.getReader();
    let buf = "";
    let first = true;
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      const now = performance.timeOrigin + performance.now();
      if (first) {
        ttfe.push(performance.now() - t0);
        first = false;
      }
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const ev = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const m = /"t":([0-9.]+)/.exec(ev);
        if (m) late.push(now - Number(m[1]));
      }
    }
  }
  return sseResult(ttfe, late);
}

// ---------------------------------------------------------------------------------------------
// mitmdump reference

async function startMitmdump(
  upstreamPort: number,
): Promise<{ port: number; caPem: string; close(): Promise<void> } | null> {
  const which = await new Deno.Command("sh", {
    args: ["-c", "command -v mitmdump"],
    stdout: "piped",
  })
    .output().catch(() => null);
  if (!which || which.code !== 0) return null;
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const conf = await Deno.makeTempDir({ prefix: "hm-mitm-" });
  // Regular (forward proxy) mode: a real MITM like ours, trusting the upstream's test cert.
  const child = new Deno.Command("mitmdump", {
    args: [
      "--ssl-insecure",
      "--listen-host",
      "127.0.0.1",
      "--listen-port",
      String(port),
      "--set",
      `confdir=${conf}`,
      "-q",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* exited */ }
    await child.status;
    await Deno.remove(conf, { recursive: true }).catch(() => {});
  };
  void upstreamPort;
  for (let i = 0; i < 100; i++) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      const caPem = await Deno.readTextFile(`${conf}/mitmproxy-ca-cert.pem`);
      return { port, caPem, close: stop };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stop();
  return null;
}

// ---------------------------------------------------------------------------------------------
// Main

const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");

async function main(): Promise<void> {
  const quick = Deno.args.includes("--quick");
  const deadline = performance.now() + 110_000;
  const budget = (ms: number) => Math.max(500, Math.min(ms, deadline - performance.now() - 15_000));
  const upstream = await startBenchUpstream();
  const child = await spawnProxyChild({
    upstreamPort: upstream.port,
    upstreamCaPath: upstream.caPemPath,
  });
  await new Promise((r) => setTimeout(r, 300));
  const rssIdleStart = child.rssKb();
  const body = JSON.stringify({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "hi" }],
  });
  const direct = Deno.createHttpClient({ caCerts: [upstream.caPem] });
  const mitm = Deno.createHttpClient({
    proxy: { url: `http://127.0.0.1:${child.port}` },
    caCerts: [child.caPem, upstream.caPem],
  });
  const base = Deno.createHttpClient({});
  let captured = 0; // requests the child's hooks must see (MITM and base-URL, not tunnel)
  const post =
    (client: Deno.HttpClient, url: string) => async (headers: Record<string, string> = {}) => {
      if (
        client !== direct &&
        !url.includes("//127.0.0.1:" + upstream.port)
      ) {
        captured++;
      }
      const r = await fetch(url, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          authorization: "Bearer sk-bench",
          ...headers,
        },
        client,
      } as RequestInit);
      return r;
    };
  const modes: [string, (h?: Record<string, string>) => Promise<Response>][] = [
    ["direct", post(direct, `https://127.0.0.1:${upstream.port}/v1/chat/completions`)],
    ["mitm", post(mitm, "https://api.openai.com/v1/chat/completions")],
    ["base_url", post(base, `http://127.0.0.1:${child.port}/openai/v1/chat/completions`)],
    // Not intercepted (127.0.0.1): a blind CONNECT tunnel through the front.
    ["tunnel", post(mitm, `https://127.0.0.1:${upstream.port}/v1/chat/completions`)],
  ];
  const mitmdump = await startMitmdump(upstream.port);
  const mitmdumpClient = mitmdump
    ? Deno.createHttpClient({
      proxy: { url: `http://127.0.0.1:${mitmdump.port}` },
      caCerts: [mitmdump.caPem],
    })
    : Deno.createHttpClient({});
  if (mitmdump) {
    modes.push([
      "mitmdump",
      post(mitmdumpClient, `https://127.0.0.1:${upstream.port}/v1/chat/completions`),
    ]);
  }
  const once = (f: () => Promise<Response>) => async () => {
    const r = await f();
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`status ${r.status}`);
  };
  // Idle: started, every path used a few times (leaf certificate issued, pools open), no load.
  for (const [, f] of modes) {
    await load(once(() => f()), { concurrency: 1, total: 20, maxMs: 3000 });
  }
  await new Promise((r) => setTimeout(r, 500));
  const rssIdle = child.rssKb();
  // Warm up every path (JIT) before measuring.
  for (const [, f] of modes) {
    await load(once(() => f()), { concurrency: 4, total: quick ? 50 : 300, maxMs: 3000 });
  }

  const results: Record<string, { c1: LoadResult; c16: LoadResult; sse?: SseResult }> = {};
  let rssPeak = rssIdle ?? 0;
  const sampler = setInterval(() => {
    const v = child.rssKb();
    if (v !== null && v > rssPeak) rssPeak = v;
  }, 100);
  // SSE first, on a warm proxy that is not digesting the garbage of the load runs.
  const sseResults: Record<string, SseResult> = {};
  const sseParts: Record<string, SseResult[]> = {};
  for (let round = 0; round < (quick ? 3 : 8); round++) {
    for (const [name, f] of modes) {
      if (name === "mitmdump" || name === "tunnel") continue;
      (sseParts[name] ??= []).push(
        await sse((h) => f(h), { streams: 1, events: 20, intervalMs: 10 }),
      );
    }
  }
  for (const [name, ps] of Object.entries(sseParts)) {
    sseResults[name] = sseResult(ps.flatMap((p) => p.ttfe), ps.flatMap((p) => p.late));
  }
  // Modes are interleaved over several rounds so a burst of machine load hits them all alike.
  const rounds = quick ? 2 : 4;
  const parts: Record<string, { c1: LoadResult[]; c16: LoadResult[] }> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, f] of modes) {
      const p = parts[name] ??= { c1: [], c16: [] };
      p.c1.push(
        await load(once(() => f()), {
          concurrency: 1,
          total: (quick ? 300 : 2000) / rounds,
          maxMs: budget(6000 / rounds),
        }),
      );
      p.c16.push(
        await load(once(() => f()), {
          concurrency: 16,
          total: (quick ? 1000 : 8000) / rounds,
          maxMs: budget(8000 / rounds),
        }),
      );
    }
  }
  for (const [name, p] of Object.entries(parts)) {
    results[name] = { c1: mergeLoad(p.c1), c16: mergeLoad(p.c16), sse: sseResults[name] };
  }
  clearInterval(sampler);
  await new Promise((r) => setTimeout(r, 1000));
  const rssAfter = child.rssKb();
  const stats = await child.stats();

  const d = results.direct;
  console.log(`\nbench_proxy: local HTTPS upstream; proxy in a child process (pid ${child.pid})`);
  console.log(
    "mode       c=1 p50 ms  p99 ms  added p50  added p99   c=16 req/s  ratio vs direct  errors",
  );
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name.padEnd(10)} ${fmt(r.c1.p50, 3).padStart(8)} ${fmt(r.c1.p99, 3).padStart(7)} ${
        fmt(r.c1.p50 - d.c1.p50, 3).padStart(10)
      } ${fmt(r.c1.p99 - d.c1.p99, 3).padStart(10)} ${fmt(r.c16.rps, 0).padStart(12)} ${
        fmt(r.c16.rps / d.c16.rps, 2).padStart(16)
      }x ${String(r.c1.errors + r.c16.errors).padStart(6)}`,
    );
  }
  console.log(
    "\nSSE, before the load runs   TTFE p50 ms  lateness p50 ms  lateness p95 ms  Δp95 vs direct",
  );
  for (const [name, r] of Object.entries(results)) {
    if (!r.sse) continue;
    console.log(
      `${name.padEnd(29)} ${fmt(r.sse.ttfeP50, 3).padStart(11)} ${
        fmt(r.sse.latenessP50, 3).padStart(16)
      } ${fmt(r.sse.latenessP95, 3).padStart(16)} ${
        fmt(r.sse.latenessP95 - d.sse!.latenessP95, 3).padStart(15)
      }`,
    );
  }
  const mb = (kb: number | null) => (kb === null ? "n/a" : `${(kb / 1024).toFixed(1)} MB`);
  console.log(
    `\nProxy RSS: at start ${mb(rssIdleStart)}, idle (a few requests served) ${
      mb(rssIdle)
    }, peak under load ${mb(rssPeak)}, 1 s after load ${mb(rssAfter)}`,
  );
  console.log(
    `Exchanges handed to hooks: ${stats.exchanges} of ${captured} intercepted requests sent (lost: ${
      captured - stats.exchanges
    })`,
  );
  if (!mitmdump) console.log("mitmdump: not available on this machine (reference row skipped)");
  const m = results.mitm;
  const checks: [string, boolean][] = [
    [
      `Zero lost exchanges at the highest rate reached (lost ${captured - stats.exchanges})`,
      captured === stats.exchanges,
    ],
    [
      `p50 added latency at c=1 (MITM) ${fmt(m.c1.p50 - d.c1.p50, 3)} ms <= 0.5 ms`,
      m.c1.p50 - d.c1.p50 <= 0.5,
    ],
    [
      `p50 added latency at c=1 (base-URL) ${
        fmt(results.base_url.c1.p50 - d.c1.p50, 3)
      } ms <= 0.5 ms`,
      results.base_url.c1.p50 - d.c1.p50 <= 0.5,
    ],
    [
      `MITM req/s at c=16 ${fmt(m.c16.rps / d.c16.rps, 2)}x direct >= 0.3x`,
      m.c16.rps / d.c16.rps >= 0.3,
    ],
    [
      `SSE lateness p95 (MITM) within 2 ms of direct: Δ ${
        fmt(m.sse!.latenessP95 - d.sse!.latenessP95, 3)
      } ms`,
      m.sse!.latenessP95 - d.sse!.latenessP95 <= 2,
    ],
    [`Idle RSS ${mb(rssIdle)} <= 90 MB`, rssIdle !== null && rssIdle <= 90 * 1024],
  ];
  if (results.mitmdump && results.mitmdump.c16.n > 0) {
    const r = m.c16.rps / results.mitmdump.c16.rps;
    checks.push([`MITM req/s at c=16 ${fmt(r, 2)}x mitmdump >= 4x`, r >= 4]);
  }
  console.log("\nTargets:");
  for (const [label, okay] of checks) console.log(`  ${okay ? "PASS" : "MISS"}  ${label}`);
  direct.close();
  mitm.close();
  base.close();
  mitmdumpClient.close();
  await mitmdump?.close();
  await child.close();
  await upstream.close();
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--child");
  if (i >= 0) await childMain(Deno.args[i + 1]);
  else await main();
}
