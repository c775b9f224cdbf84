/**
 * @module Benchmark: reports and attribution. With 1M rows in a temp store it times
 * `report --since 30d --by project` (reportBy + totals) and the dashboard overview query, each
 * against a hand-written SQL query on a purpose-built covering index in the same database and run,
 * and prints the ratios (target ≤ 1.5×). Then the added cost of attribution per request: a real
 * client process found from its source port with a cold and a warm cache. Bounded < 2 minutes.
 *
 *   deno run -A scripts/bench_reports.ts [--rows 1000000]
 */
import { join } from "node:path";
import { parseConfig } from "../daemon/config.ts";
import { nullLogger } from "../daemon/log.ts";
import { createAttributor } from "../daemon/attribution/mod.ts";
import { createLinuxInspector } from "../daemon/attribution/process_linux.ts";
import { spawnClient, testRequest } from "../daemon/attribution/testing.ts";
import { overview, parseRange, reportBy, TOKEN_COLUMNS, totalOf } from "../daemon/store/reports.ts";
import { Store } from "../daemon/store/store.ts";
import { seedRow } from "../daemon/store/reports_testing.ts";

const ROWS = Number(Deno.args[Deno.args.indexOf("--rows") + 1] || 0) || 1_000_000;
const DAY_MS = 86_400_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median time `fn` runs before returning its promise: the part that holds up the caller. */
async function timeSyncPart(fn: () => Promise<unknown>, runs: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const p = fn();
    xs.push(performance.now() - t);
    await p;
  }
  return median(xs);
}

async function timeAsync(fn: () => Promise<unknown>, runs: number): Promise<number> {
  await fn();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await fn();
  return (performance.now() - t0) / runs;
}

/** Fills the store with `n` rows over 60 days with one INSERT … SELECT from a recursive CTE. */
function generate(store: Store, n: number, now: number): void {
  const start = new Date(now - 60 * DAY_MS).toISOString();
  store.db.exec("BEGIN");
  store.db.prepare(`
    WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
    INSERT INTO requests (request_id, timestamp, provider, model, requested_model, method, host, path,
      status_code, mode, stream, operation, prompt_tokens, completion_tokens, cache_read_tokens,
      cache_write_tokens, cache_write_5m_tokens, cache_write_1h_tokens, reasoning_tokens,
      web_search_requests, usage_status, batch, billable, cost_usd_millicents, priced, pricing_version,
      project_id, attribution_method, attribution_trail, hostname, outcome, source_workdir, client_pid,
      latency_ms, ttfb_ms, request_bytes, response_bytes)
    SELECT lower(hex(randomblob(16))),
      strftime('%Y-%m-%dT%H:%M:%fZ', ?, '+' || (i * 60.0 * 86400 / ?) || ' seconds'),
      CASE i % 5 WHEN 0 THEN 'anthropic' WHEN 1 THEN 'openai' WHEN 2 THEN 'gemini' WHEN 3 THEN 'groq' ELSE 'mistral' END,
      'model-' || (i % 20), 'model-' || (i % 20), 'POST', 'api.example.com', '/v1/chat/completions',
      CASE WHEN i % 97 = 0 THEN 500 ELSE 200 END, 'mitm', i % 2, 'chat',
      CASE WHEN i % 53 = 0 THEN NULL ELSE 100 + i % 4000 END,
      CASE WHEN i % 53 = 0 THEN NULL ELSE 20 + i % 800 END,
      CASE WHEN i % 53 = 0 THEN NULL ELSE i % 1000 END,
      CASE WHEN i % 53 = 0 THEN NULL ELSE i % 300 END,
      CASE WHEN i % 53 = 0 THEN NULL ELSE i % 200 END,
      CASE WHEN i % 53 = 0 THEN NULL ELSE i % 100 END,
      CASE WHEN i % 53 = 0 THEN NULL ELSE i % 50 END,
      CASE WHEN i % 53 = 0 THEN NULL ELSE 0 END,
      CASE WHEN i % 53 = 0 THEN 'missing' ELSE 'ok' END, 0, 1,
      CASE WHEN i % 53 = 0 OR i % 41 = 0 THEN NULL ELSE 50 + i % 5000 END,
      CASE WHEN i % 53 = 0 OR i % 41 = 0 THEN 0 ELSE 1 END, 'bench',
      CASE WHEN i % 61 = 0 THEN NULL ELSE 'project-' || (i % 50) END,
      CASE i % 3 WHEN 0 THEN 'rcfile' WHEN 1 THEN 'git' ELSE 'header' END,
      '[{"resolver":"rcfile","project":"project-x","detail":"/home/dev/project-x/.halton-meter.toml"}]',
      'host-' || (i % 3), 'complete', '/home/dev/project-' || (i % 50), 1000 + i % 5000,
      100 + i % 900, 50 + i % 400, 2000 + i % 9000, 5000 + i % 50000
    FROM seq`).run(n - 1, start, n);
  store.db.exec("COMMIT");
}

const AGG = `count(*) AS requests, count(cost_usd_millicents) AS priced,
  sum(cost_usd_millicents IS NULL AND usage_status = 'ok') AS unpriced,
  sum(cost_usd_millicents IS NULL AND usage_status IS NOT 'ok') AS missing_usage,
  ${TOKEN_COLUMNS.map((c) => `sum(${c}) AS ${c}`).join(", ")}, sum(cost_usd_millicents) AS cost`;
const COV_COLS = `usage_status, cost_usd_millicents, ${TOKEN_COLUMNS.join(", ")}, priced`;

async function attributionFigures(): Promise<void> {
  if (Deno.build.os !== "linux") {
    console.log("attribution: skipped (process lookup benchmark is Linux-only here)");
    return;
  }
  const cfg = parseConfig("");
  if (!cfg.ok) throw new Error(cfg.error);
  const dir = await Deno.makeTempDir({ prefix: "hm-bench-attr-" });
  await Deno.writeTextFile(join(dir, ".halton-meter.toml"), 'project = "bench"\n');
  const client = await spawnClient({ cwd: dir });
  try {
    const req = testRequest({ client: { address: "127.0.0.1", port: client.port } });
    const headerReq = testRequest({ headers: { "x-halton-project": "bench" } });
    const runs = 200;
    const warm = createAttributor({ config: cfg.value, logger: nullLogger });
    const tHeader = await timeAsync(() => warm.resolve(headerReq), runs);
    const tWarm = await timeAsync(() => warm.resolve(req), runs);
    // Cold: a fresh inspector (no recently-seen pids, listeners looked up again) and empty
    // caches every time.
    const coldRuns = 30;
    const tCold = await timeAsync(
      () =>
        createAttributor({
          config: cfg.value,
          logger: nullLogger,
          inspector: createLinuxInspector(),
        }).resolve(req),
      coldRuns,
    );
    const coldOne = () =>
      createAttributor({ config: cfg.value, logger: nullLogger, inspector: createLinuxInspector() })
        .resolve(req);
    const sCold = await timeSyncPart(coldOne, coldRuns);
    // Caches expired every time: socket looked up, recently-seen pid checked, answers re-read.
    const noCache = createAttributor({ config: cfg.value, logger: nullLogger, ttlMs: 0 });
    const tWarmPid = await timeAsync(() => noCache.resolve(req), runs);
    const sWarm = await timeSyncPart(() => warm.resolve(req), runs);
    const sWarmPid = await timeSyncPart(() => noCache.resolve(req), runs);
    // Baseline: one loopback HTTP round trip in this process.
    const ac = new AbortController();
    const srv = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      signal: ac.signal,
      onListen: () => {},
    }, () => new Response("ok"));
    const tHttp = await timeAsync(
      async () => await (await fetch(`http://127.0.0.1:${srv.addr.port}/`)).text(),
      runs,
    );
    ac.abort();
    await srv.finished;
    let procs = 0;
    for (const e of Deno.readDirSync("/proc")) if (/^\d+$/.test(e.name)) procs++;
    const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;
    console.log(
      `\nattribution per request (${procs} processes in /proc), baseline = loopback HTTP round trip ${
        us(tHttp)
      }`,
    );
    console.log(
      `  header (no process lookup)          ${us(tHeader).padStart(10)}  ${
        (tHeader / tHttp).toFixed(3)
      }× baseline`,
    );
    console.log(
      `  warm (same connection, cached)      ${us(tWarm).padStart(10)}  ${
        (tWarm / tHttp).toFixed(3)
      }× baseline`,
    );
    console.log(
      `  new connection, known pid, no cache ${us(tWarmPid).padStart(10)}  ${
        (tWarmPid / tHttp).toFixed(3)
      }× baseline`,
    );
    console.log(
      `  cold (new inspector, no caches)     ${us(tCold).padStart(10)}  ${
        (tCold / tHttp).toFixed(3)
      }× baseline`,
    );
    console.log(`  cold / warm                         ${(tCold / tWarm).toFixed(1)}×`);
    console.log(
      `  synchronous part at request time (before forwarding): warm ${us(sWarm)}, new connection ${
        us(sWarmPid)
      }, cold ${us(sCold)} (${(sCold / tHttp).toFixed(3)}× baseline)`,
    );
    console.log("  (the rest runs beside the exchange and is awaited after it)");
  } finally {
    await client.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function main(): Promise<void> {
  const began = performance.now();
  const dir = await Deno.makeTempDir({ prefix: "hm-bench-reports-" });
  const store = Store.open(join(dir, "db.sqlite"));
  try {
    const now = Date.now();
    let t0 = performance.now();
    generate(store, ROWS, now);
    console.log(
      `generated ${ROWS.toLocaleString("en-US")} rows over 60 days in ${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s`,
    );
    const range = parseRange({ defaultSince: "30d" }, new Date(now));
    if (!range.ok) throw new Error(range.error);
    const { since, until } = range.value;
    const runs = 7;

    // Hand-written baselines on purpose-built covering indexes. They are partial indexes over a
    // condition every row meets (priced is 0 or 1), so only queries that repeat the condition (the
    // baselines) can use them and ours keep running on the index the migrations give them.
    t0 = performance.now();
    store.db.exec(
      `CREATE INDEX bench_cov_project ON requests (timestamp, project_id, ${COV_COLS}) WHERE priced IN (0, 1)`,
    );
    store.db.exec(
      `CREATE INDEX bench_cov_overview ON requests (timestamp, project_id, model, provider, ${COV_COLS}) WHERE priced IN (0, 1)`,
    );
    const tIndex = performance.now() - t0;
    const handSql = `SELECT project_id, ${AGG} FROM requests INDEXED BY bench_cov_project
      WHERE timestamp >= ? AND timestamp < ? AND priced IN (0, 1) GROUP BY project_id`;
    const hand = store.db.prepare(handSql);
    const handOvSql = ["substr(timestamp, 1, 10)", "project_id", "model", "provider"].map((k) =>
      `SELECT ${k} AS k, ${AGG} FROM requests INDEXED BY bench_cov_overview
       WHERE timestamp >= ? AND timestamp < ? AND priced IN (0, 1) GROUP BY 1`
    );
    const handOv = handOvSql.map((q) => store.db.prepare(q));
    const planOf = (sql: string) =>
      (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(since, until) as { detail: string }[])
        .map((r) => r.detail).filter((d) => d.includes("INDEX")).join("; ");

    // Ours, through the code the CLI and the dashboard run, interleaved run by run with the
    // baselines so load from other processes hits both alike.
    let ourReport: ReturnType<typeof totalOf> | null = null;
    let handRows: Record<string, number>[] = [];
    const tt = {
      report: [] as number[],
      hand: [] as number[],
      overview: [] as number[],
      handOv: [] as number[],
    };
    const clock = (fn: () => unknown, into: number[], keep: boolean) => {
      const t = performance.now();
      fn();
      if (keep) into.push(performance.now() - t);
    };
    for (let i = 0; i <= runs; i++) {
      const keep = i > 0; // the first round warms the page cache
      clock(() => (ourReport = totalOf(reportBy(store, "project", range.value))), tt.report, keep);
      clock(() => (handRows = hand.all(since, until) as Record<string, number>[]), tt.hand, keep);
      clock(() => overview(store, range.value), tt.overview, keep);
      clock(() => handOv.map((st) => st.all(since, until)), tt.handOv, keep);
    }
    const [tReport, tHand, tOverview, tHandOv] = [tt.report, tt.hand, tt.overview, tt.handOv].map(
      median,
    );
    const plan = planOf(
      "SELECT coalesce(project_id, 'x'), count(*), sum(cost_usd_millicents) FROM requests WHERE timestamp >= ? AND timestamp < ? GROUP BY 1",
    );
    if (!plan.includes("requests_report")) {
      throw new Error(`Our query does not use requests_report: ${plan}`);
    }

    // Same answer, or the comparison means nothing.
    const handTotal = handRows.reduce((a, r) => a + Number(r.requests), 0);
    const handCost = handRows.reduce((a, r) => a + Number(r.cost ?? 0), 0);
    if (handTotal !== ourReport!.requests || handCost !== ourReport!.cost_usd_millicents) {
      throw new Error(
        `Report mismatch: ours ${ourReport!.requests}/${
          ourReport!.cost_usd_millicents
        }, hand ${handTotal}/${handCost}`,
      );
    }

    const ms = (x: number) => `${x.toFixed(1)} ms`.padStart(10);
    console.log(`rows in the last 30 days: ${ourReport!.requests.toLocaleString("en-US")}`);
    console.log(`plans: ours ${plan}; hand-written ${planOf(handSql)}`);
    console.log(
      `(baseline covering indexes built in ${
        (tIndex / 1000).toFixed(1)
      } s; medians of ${runs} interleaved runs)\n`,
    );
    console.log(
      "query                                  ours      hand-written   ratio (target ≤ 1.5×)",
    );
    console.log(
      `report --since 30d --by project  ${ms(tReport)}  ${ms(tHand)}      ${
        (tReport / tHand).toFixed(2)
      }×`,
    );
    console.log(
      `dashboard overview (4 breakdowns)${ms(tOverview)}  ${ms(tHandOv)}      ${
        (tOverview / tHandOv).toFixed(2)
      }×`,
    );

    // Write cost of the 0003 covering index on the capture path (batched inserts).
    const writeCost = (withIndex: boolean): number => {
      const s = Store.open(":memory:");
      if (!withIndex) s.db.exec("DROP INDEX requests_report");
      const batch = Array.from({ length: 500 }, () => seedRow());
      const t = performance.now();
      for (let b = 0; b < 40; b++) {
        s.insertBatch(batch.map((r) => ({ ...r, request_id: crypto.randomUUID() })));
      }
      const el = performance.now() - t;
      s.close();
      return el;
    };
    writeCost(true);
    const wNo = writeCost(false), wYes = writeCost(true);
    console.log(
      `\ninsert 20k rows in batches of 500: without requests_report ${ms(wNo)}, with ${ms(wYes)} (${
        (wYes / wNo).toFixed(2)
      }×)`,
    );
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
  await attributionFigures();
  console.log(`\nbench_reports finished in ${((performance.now() - began) / 1000).toFixed(1)} s`);
}

if (import.meta.main) await main();
