/**
 * @module Capture throughput: exchanges pushed through the real capture hooks (registry, stream
 * parser, pricing, attribution by header, prompt hash, batched SQLite writes with bodies) against
 * the baseline of inserting the same number of ready-made rows straight into the store, in the
 * same run. Also counts lost rows (must be 0). Loopback-free: no network at all. ~10-30 s.
 *
 * Usage: deno run -A scripts/bench_capture.ts [exchanges]
 */
import { createRegistry } from "../daemon/adapters/mod.ts";
import { createAttributor } from "../daemon/attribution/mod.ts";
import { createCapture } from "../daemon/capture/capture.ts";
import { parseConfig } from "../daemon/config.ts";
import { nullLogger } from "../daemon/log.ts";
import type { Exchange, FlowRequest } from "../daemon/proxy/flow.ts";
import { BatchWriter, Store, type StoredRow } from "../daemon/store/store.ts";
import { defaultPriceTable } from "../shared/pricing/mod.ts";

const N = Number(Deno.args[0] ?? 20_000);
const enc = new TextEncoder();
const REQ = enc.encode(
  JSON.stringify({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "Say hi in Portuguese" }],
  }),
);
const RESP = await Deno.readFile(
  new URL(
    "../tests/fakes/testdata/openai_chat_gpt-4o-mini_nonstream.response.json",
    import.meta.url,
  ),
);

function request(i: number): FlowRequest {
  return {
    id: crypto.randomUUID(),
    mode: "mitm",
    method: "POST",
    host: "api.openai.com",
    path: "/v1/chat/completions",
    routePrefix: null,
    pathLabel: null,
    headers: {
      "content-type": "application/json",
      "user-agent": "bench",
      "x-halton-project": `p${i % 8}`,
    },
    apiKeySha256: null,
    startedAt: Date.now(),
    client: { address: "127.0.0.1", port: 40000 + (i % 20000) },
  };
}

function exchange(req: FlowRequest): Exchange {
  return {
    request: req,
    requestBody: REQ,
    requestBodyBytes: REQ.length,
    requestBodyTruncated: false,
    status: 200,
    responseHeaders: { "content-type": "application/json" },
    responseBody: RESP,
    responseBodyBytes: RESP.length,
    responseBodyTruncated: false,
    ttfbAt: req.startedAt + 1,
    endedAt: req.startedAt + 2,
    outcome: "complete",
    error: null,
  };
}

async function captureRun(dir: string): Promise<{ secs: number; rows: number }> {
  const store = Store.open(`${dir}/capture.sqlite`);
  const writer = new BatchWriter(store);
  const cfg = parseConfig("");
  if (!cfg.ok) throw new Error(cfg.error);
  const prices = defaultPriceTable();
  const hooks = createCapture({
    registry: createRegistry({ extraHosts: [] }),
    prices: () => prices,
    attributor: createAttributor({ config: cfg.value, logger: nullLogger }),
    writer,
    config: cfg.value,
    hostname: "bench",
    logger: nullLogger,
  });
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const req = request(i);
    hooks.onRequest?.(req, new Headers());
    const tap = hooks.onResponse?.(req, 200, new Headers({ "content-type": "application/json" })) ??
      null;
    tap?.chunk(RESP);
    hooks.onExchange(exchange(req), tap);
    if (i % 500 === 499) await new Promise((r) => setTimeout(r, 0)); // let timers flush, like a live proxy
  }
  await hooks.drain();
  writer.close();
  const secs = (performance.now() - t0) / 1000;
  const rows = store.countSince("");
  store.close();
  return { secs, rows };
}

function baselineRun(dir: string, template: StoredRow): number {
  const store = Store.open(`${dir}/baseline.sqlite`);
  const rows = Array.from({ length: N }, () => ({ ...template, request_id: crypto.randomUUID() }));
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += 500) store.insertBatch(rows.slice(i, i + 500));
  const secs = (performance.now() - t0) / 1000;
  store.close();
  return secs;
}

const dir = await Deno.makeTempDir({ prefix: "hm-bench-capture-" });
try {
  const cap = await captureRun(dir);
  const probe = Store.open(`${dir}/capture.sqlite`);
  const template = probe.listRequests({ limit: 1 })[0];
  probe.close();
  const base = baselineRun(dir, template);
  const capRate = N / cap.secs, baseRate = N / base;
  console.log(`exchanges:                 ${N}`);
  console.log(
    `capture → store:           ${capRate.toFixed(0)} rows/s (${
      cap.secs.toFixed(2)
    } s, bodies included)`,
  );
  console.log(
    `baseline raw insertBatch:  ${baseRate.toFixed(0)} rows/s (${base.toFixed(2)} s, rows only)`,
  );
  console.log(`ratio capture/baseline:    ${(capRate / baseRate).toFixed(2)}×`);
  console.log(`lost rows:                 ${N - cap.rows}`);
  if (cap.rows !== N) Deno.exit(1);
} finally {
  await Deno.remove(dir, { recursive: true });
}
