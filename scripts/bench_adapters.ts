/**
 * @module Adapter benchmark. (1) Parse cost in µs per MB of SSE per provider, against a baseline of
 * plain TextDecoder + line split over the same bytes and chunks, in the same run (ratio).
 * (2) Proxy throughput with adapters on vs off, in the same run: the real proxy + capture hooks
 * against the local HTTPS fakes, streaming chat completions in base-URL mode; "off" = the same
 * capture with an empty registry (no parsing, no pricing). Bounded to well under 2 minutes; loopback only.
 *
 * Usage: deno run -A scripts/bench_adapters.ts [--quick]
 */
import { createRegistry } from "../daemon/adapters/mod.ts";
import { createCapture } from "../daemon/capture/capture.ts";
import { parseConfig } from "../daemon/config.ts";
import { createLogger } from "../daemon/log.ts";
import { defaultPriceTable } from "../shared/pricing/mod.ts";
import { exchange, loadFixtures } from "../daemon/adapters/test_util.ts";
import { startProxyHarness } from "../tests/fakes/proxy_harness.ts";

const QUICK = Deno.args.includes("--quick");
const INCLUDE_USAGE = !Deno.args.includes("--inject");
const CHUNK = 16 * 1024;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** Builds ~`size` bytes of SSE by repeating a recorded stream's middle events between its head and tail. */
function inflate(sse: string, size: number): Uint8Array {
  const sep = sse.includes("\r\n\r\n") ? "\r\n\r\n" : "\n\n";
  const events = sse.split(sep).filter((e) => e.trim());
  const head = events.slice(0, 1);
  const tail = events.slice(-2);
  const middle = events.slice(1, -2).length ? events.slice(1, -2) : events.slice(0, 1);
  const out: string[] = [...head];
  let bytes = 0;
  for (let i = 0; bytes < size; i++) {
    const e = middle[i % middle.length];
    out.push(e);
    bytes += e.length + sep.length;
  }
  return enc.encode([...out, ...tail].join(sep) + sep);
}

function chunks(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < b.length; i += CHUNK) out.push(b.subarray(i, i + CHUNK));
  return out;
}

/** Median µs of `fn` over repeated runs for at least `ms`. */
function time(fn: () => void, ms: number): number {
  for (let i = 0; i < 3; i++) fn();
  const samples: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end || samples.length < 5) {
    const t0 = performance.now();
    fn();
    samples.push((performance.now() - t0) * 1000);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

function parseBench(): void {
  const registry = createRegistry({ extraHosts: [] });
  const seen = new Set<string>();
  console.log(
    "Parse cost per MB of SSE (16 KiB chunks), baseline = TextDecoder + line split, same bytes:",
  );
  console.log(
    "provider   fixture                                   µs/MB adapter   µs/MB baseline   ratio",
  );
  for (const f of loadFixtures()) {
    if (
      !f.headers["content-type"]?.includes("event-stream") || seen.has(f.provider) ||
      f.name.includes("error")
    ) continue;
    seen.add(f.provider);
    const body = inflate(dec.decode(f.response), 1 << 20);
    const parts = chunks(body);
    const mb = body.length / (1 << 20);
    const ex = exchange({
      url: f.url,
      requestBody: f.request,
      responseBody: body,
      headers: f.headers,
    });
    const adapter = registry.find(ex.request)!;
    let sink = 0;
    const adapterUs = time(() => {
      const p = adapter.streamParser(ex.request, 200, f.headers["content-type"]);
      for (const c of parts) p.push(c);
      const r = p.finish(ex);
      if (!r.ok || r.value.usage_status !== "ok") {
        throw new Error(`${f.name}: ${r.ok ? r.value.usage_status : r.error}`);
      }
      sink += r.value.prompt_tokens ?? 0;
    }, QUICK ? 300 : 1500);
    const baseUs = time(() => {
      const d = new TextDecoder();
      let rest = "";
      for (const c of parts) {
        const lines = (rest + d.decode(c, { stream: true })).split(/\r\n|\r|\n/);
        rest = lines.pop() ?? "";
        sink += lines.length;
      }
    }, QUICK ? 300 : 1500);
    if (sink < 0) console.log(sink);
    console.log(
      `${f.provider.padEnd(10)} ${f.name.slice(0, 40).padEnd(41)} ${
        (adapterUs / mb).toFixed(0).padStart(13)
      }   ${(baseUs / mb).toFixed(0).padStart(14)}   ${(adapterUs / baseUs).toFixed(2)}x`,
    );
  }
}

/**
 * Capture-hook cost per exchange, in-process (no network, so stable on a busy machine): the same
 * recorded streaming exchange through the capture hooks with adapters on vs off.
 */
async function hookBench(): Promise<number> {
  const cfg = parseConfig("");
  if (!cfg.ok) throw new Error(cfg.error);
  const logger = createLogger({ level: "error", write: () => {} });
  const attributor = {
    resolve: () =>
      Promise.resolve({
        project_id: "bench",
        attribution_method: "default",
        trail: [],
        source_workdir: null,
        client_pid: null,
      }),
  };
  const f = loadFixtures().find((x) => x.name === "openai_chat_gpt-4o-mini_stream")!;
  const parts = chunks(f.response).flatMap((c) => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < c.length; i += 256) out.push(c.subarray(i, i + 256)); // ~SSE event-sized chunks
    return out;
  });
  const headers = new Headers(f.headers);
  const per = async (on: boolean, n: number): Promise<number> => {
    const cap = createCapture({
      registry: on ? createRegistry({ extraHosts: [] }) : { find: () => null },
      prices: defaultPriceTable,
      attributor,
      writer: { add: () => {} },
      config: cfg.value,
      hostname: "bench",
      logger,
    });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const ex = exchange({
        url: f.url,
        requestBody: f.request,
        responseBody: f.response,
        headers: f.headers,
      });
      cap.onRequest!(ex.request, new Headers());
      cap.rewriteRequestBody!(ex.request, ex.requestBody);
      const tap = cap.onResponse!(ex.request, 200, headers);
      for (const c of parts) tap?.chunk(c);
      cap.onExchange(ex, tap);
      if (i % 100 === 99) await cap.drain();
    }
    await cap.drain();
    return ((performance.now() - t0) * 1000) / n;
  };
  const n = QUICK ? 500 : 3000;
  await per(true, 200);
  await per(false, 200);
  const offs: number[] = [];
  const ons: number[] = [];
  for (let i = 0; i < 3; i++) {
    offs.push(await per(false, n));
    ons.push(await per(true, n));
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[1];
  const extra = med(ons) - med(offs);
  console.log(
    `\nCapture hooks per streaming exchange (${f.response.length} B in ${parts.length} chunks, in-process): ` +
      `adapters off ${med(offs).toFixed(1)} µs, on ${med(ons).toFixed(1)} µs; adapter work = ${
        extra.toFixed(1)
      } µs per exchange`,
  );
  return extra;
}

async function proxyBench(adapterUs: number): Promise<void> {
  const cfg = parseConfig("");
  if (!cfg.ok) throw new Error(cfg.error);
  const logger = createLogger({ level: "error", write: () => {} });
  let rows = 0;
  const attributor = {
    resolve: () =>
      Promise.resolve({
        project_id: "bench",
        attribution_method: "default",
        trail: [],
        source_workdir: null,
        client_pid: null,
      }),
  };
  const mk = (on: boolean) =>
    createCapture({
      registry: on ? createRegistry({ extraHosts: [] }) : { find: () => null },
      prices: defaultPriceTable,
      attributor,
      writer: { add: () => void rows++ },
      config: cfg.value,
      hostname: "bench",
      logger,
    });
  let current = mk(false);
  // One proxy; its hooks delegate to the capture of the current round.
  const hooks = {
    onRequest: (...a: Parameters<NonNullable<typeof current.onRequest>>) =>
      current.onRequest!(...a),
    rewriteRequestBody: (...a: Parameters<NonNullable<typeof current.rewriteRequestBody>>) =>
      current.rewriteRequestBody!(...a),
    onResponse: (...a: Parameters<NonNullable<typeof current.onResponse>>) =>
      current.onResponse!(...a),
    onExchange: (...a: Parameters<typeof current.onExchange>) => current.onExchange(...a),
  };
  const h = await startProxyHarness({ hooks: hooks as never });
  try {
    const url = `${h.proxyUrl}/openai/v1/chat/completions`;
    const body = JSON.stringify({
      model: "gpt-5",
      stream: true,
      // Same upstream bytes in both modes (usage chunk present); injection is measured by its own round.
      stream_options: { include_usage: INCLUDE_USAGE },
      messages: [{ role: "user", content: "hi" }],
    });
    const one = async () => {
      const r = await fetch(url, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", authorization: "Bearer sk-bench" },
      });
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`status ${r.status}`);
    };
    const round = async (on: boolean, ms: number) => {
      current = mk(on);
      const end = performance.now() + ms;
      let n = 0;
      const t0 = performance.now();
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (performance.now() < end) {
          await one();
          n++;
        }
      }));
      await current.drain();
      return n / ((performance.now() - t0) / 1000);
    };
    await round(false, 500); // warm-up
    await round(true, 500);
    const off: number[] = [];
    const on: number[] = [];
    const ratios: number[] = [];
    const rounds = QUICK ? 3 : 10;
    for (let i = 0; i < rounds; i++) {
      // Alternate the order inside each pair so drift on the shared machine cancels out.
      const first = i % 2 === 0;
      const a = await round(!first, QUICK ? 700 : 1500);
      const b = await round(first, QUICK ? 700 : 1500);
      const [offR, onR] = first ? [a, b] : [b, a];
      off.push(offR);
      on.push(onR);
      ratios.push(onR / offR);
    }
    const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    console.log(
      `\nProxy throughput, streaming chat via base-URL mode${
        INCLUDE_USAGE ? "" : " (client omits include_usage: injection measured)"
      }, 8 concurrent clients, ${rounds} alternating pairs:`,
    );
    console.log(
      `adapters off: ${med(off).toFixed(0)} req/s   adapters on: ${med(on).toFixed(0)} req/s   ` +
        `median on/off of pairs = ${med(ratios).toFixed(3)} (target ≥ 0.90)`,
    );
    console.log(`rows captured: ${rows}`);
    const perReqUs = 1e6 / med(off);
    console.log(
      `adapter work (${adapterUs.toFixed(1)} µs) / proxy time per request at the off rate (${
        perReqUs.toFixed(0)
      } µs) = ` +
        `${((adapterUs / perReqUs) * 100).toFixed(1)}% (the deterministic bound on the on/off gap)`,
    );
  } finally {
    await h.close();
  }
}

if (import.meta.main) {
  parseBench();
  const adapterUs = await hookBench();
  await proxyBench(adapterUs);
}
