/**
 * @module Cloud sync benchmark, against baselines measured in the same run:
 * 1. Drain rate: rows/s the sync worker moves from a local SQLite outbox to the real server (real
 *    Postgres), against the server's raw ingest rate (the same number of ready-made rows POSTed
 *    straight to `/v1/requests/batch` in batches of 500).
 * 2. Proxy req/s of a real daemon (child process) while its worker drains a 100k-row backlog,
 *    against the same daemon with the worker idle (not paired). Target: within 10%.
 * Loopback only, bounded well under 2 minutes.
 *
 * Usage: deno run -A scripts/bench_sync.ts [drainRows] [backlogRows]
 */
import { fileURLToPath } from "node:url";
import { startTestServer } from "../server/testing.ts";
import { systemClock } from "../server/app.ts";
import { pairDevice } from "../server/testing.ts";
import { homePaths } from "../daemon/home.ts";
import { initHome } from "../daemon/cli/init.ts";
import { nullLogger } from "../daemon/log.ts";
import { Store } from "../daemon/store/store.ts";
import { outboxCount, patchCloudState } from "../daemon/store/cloud.ts";
import { CloudClient } from "../daemon/cloud/client.ts";
import { completePairing } from "../daemon/cloud/pairing.ts";
import { compilePolicy, toWireRow } from "../daemon/cloud/privacy.ts";
import { cloudConfig, sampleRow } from "../daemon/cloud/testing.ts";
import { drainAll, SyncWorker } from "../daemon/cloud/worker.ts";
import { PERMISSION_FLAGS } from "../daemon/process/spawn.ts";
import { load, type LoadResult, startBenchUpstream } from "./bench_proxy.ts";

const DRAIN_ROWS = Number(Deno.args[0] ?? 20_000);
const BACKLOG = Number(Deno.args[1] ?? 100_000);
const WINDOW_MS = 1_500;
const PAIRS = 8;
const MAIN = fileURLToPath(new URL("../daemon/main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));

/** A batch sink: answers every batch as accepted after a cheap count of its rows. */
function startSink(): { url: string; rows(): number; close(): Promise<void> } {
  let rows = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const text = await req.text();
    const n = text.split('"request_id"').length - 1;
    rows += n;
    return Response.json({ accepted: n, duplicates: 0, rejected: [] });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    rows: () => rows,
    close: () => server.shutdown(),
  };
}

const fmt = (n: number) => n.toFixed(0).padStart(8);
const rowsAt = (n: number) =>
  Array.from({ length: n }, () => sampleRow({ timestamp: new Date().toISOString() }));

const server = await startTestServer({ clock: systemClock, listen: true });
const tmp = await Deno.makeTempDir({ prefix: "hm-bench-sync-" });
const cleanups: (() => Promise<unknown> | unknown)[] = [
  () => server.close(),
  () => Deno.remove(tmp, { recursive: true }).catch(() => {}),
];
try {
  const acct = await server.createAccount({
    email: "bench@acme.dev",
    workspace: "Bench",
    tier: "team",
  });
  const cookie = await server.login("bench@acme.dev");
  const countServer = async () =>
    Number((await server.db.sql`SELECT count(*)::int AS n FROM requests`)[0].n);

  // --- 1. drain rate vs raw ingest -------------------------------------------------------------
  const rawDev = await pairDevice(server, { cookie, workspaceId: acct.workspace.id });
  const rawClient = new CloudClient({ baseUrl: server.baseUrl, token: rawDev.token });
  const policy = compilePolicy(cloudConfig().cloud);
  const rawBatches: Record<string, unknown>[][] = [];
  const raw = rowsAt(DRAIN_ROWS).map((r) =>
    (toWireRow(r, policy) as { row: Record<string, unknown> }).row
  );
  for (let i = 0; i < raw.length; i += 500) rawBatches.push(raw.slice(i, i + 500));
  let t0 = performance.now();
  for (const b of rawBatches) {
    const r = await rawClient.postBatch(rawDev.machineId, b);
    if (!r.ok || r.value.accepted !== b.length) {
      throw new Error(`raw ingest failed: ${JSON.stringify(r)}`);
    }
  }
  const rawRate = DRAIN_ROWS / ((performance.now() - t0) / 1000);

  const drainDev = await pairDevice(server, { cookie, workspaceId: acct.workspace.id });
  const dpaths = homePaths(`${tmp}/drain`);
  await Deno.mkdir(dpaths.dir, { recursive: true });
  const dstore = Store.open(dpaths.db);
  cleanups.unshift(() => dstore.close());
  dstore.insertBatch(rowsAt(DRAIN_ROWS));
  await completePairing(dpaths, dstore, {
    token: drainDev.token,
    workspace: acct.workspace as never,
    base_url: server.baseUrl,
    machine_id: drainDev.machineId,
    hostname: "bench",
  });
  const worker = new SyncWorker({
    store: dstore,
    client: () => new CloudClient({ baseUrl: server.baseUrl, token: drainDev.token }),
    policy: () => policy,
    bodyIntervalMs: () => 60_000,
    logger: nullLogger,
  });
  const before = await countServer();
  t0 = performance.now();
  await drainAll(worker);
  const drainSecs = (performance.now() - t0) / 1000;
  const drained = (await countServer()) - before;
  if (drained !== DRAIN_ROWS || outboxCount(dstore) !== 0) {
    throw new Error(`drain lost rows: ${drained}`);
  }
  const drainRate = DRAIN_ROWS / drainSecs;
  console.log(`sync drain (${DRAIN_ROWS} rows, SQLite → server)`);
  console.log(`  raw ingest (ready-made batches of 500)  ${fmt(rawRate)} rows/s   1.00`);
  console.log(
    `  worker drain (read, redact, POST, settle) ${fmt(drainRate)} rows/s   ${
      (drainRate / rawRate).toFixed(2)
    }`,
  );

  // --- 2. proxy req/s: worker draining a backlog vs idle ---------------------------------------
  const upstream = await startBenchUpstream();
  cleanups.unshift(() => upstream.close());
  const paths = homePaths(`${tmp}/daemon`);
  await initHome(paths);
  const cfg = await Deno.readTextFile(paths.config);
  await Deno.writeTextFile(
    paths.config,
    cfg.replace(/^port = 8090$/m, "port = 0").replace(/^port = 3000$/m, "port = 0")
      .replace("store_bodies = true", "store_bodies = false"),
  );
  {
    const s = Store.open(paths.db);
    for (let i = 0; i < BACKLOG; i += 10_000) s.insertBatch(rowsAt(Math.min(10_000, BACKLOG - i)));
    s.close();
  }
  const daemon = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...PERMISSION_FLAGS,
      "--config",
      CONFIG,
      MAIN,
      "start",
      "--foreground",
    ],
    env: {
      HALTON_METER_HOME: paths.dir,
      HALTON_METER_TEST_UPSTREAM: JSON.stringify({
        "api.openai.com": `127.0.0.1:${upstream.port}`,
      }),
      HALTON_METER_TEST_UPSTREAM_CA: upstream.caPemPath,
    },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  cleanups.unshift(async () => {
    try {
      daemon.kill("SIGTERM");
    } catch { /* gone */ }
    await daemon.status;
  });
  let rt: { proxy: { port: number }; dashboard: { port: number } } | null = null;
  for (let i = 0; i < 300 && !rt; i++) {
    await new Promise((r) => setTimeout(r, 100));
    rt = await Deno.readTextFile(paths.runtime).then(JSON.parse, () => null);
  }
  if (!rt) throw new Error("daemon did not start");
  const url = `http://127.0.0.1:${rt.proxy.port}/openai/v1/chat/completions`;
  const body = JSON.stringify({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "hi" }],
  });
  const once = async () => {
    const r = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-bench" },
      body,
    });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(String(r.status));
  };
  const run = () => load(once, { concurrency: 16, total: 1e9, maxMs: WINDOW_MS });
  await load(once, { concurrency: 4, total: 200, maxMs: 2000 }); // warm-up

  // The daemon drains into a minimal sink (no Postgres) so the figure is the daemon's own cost,
  // not the local server's CPU competing for this machine's cores.
  const sink = startSink();
  cleanups.unshift(() => sink.close());
  const ctl = Store.open(paths.db);
  cleanups.unshift(() => ctl.close());
  await completePairing(paths, ctl, {
    token: "hm_sync_bench",
    workspace: acct.workspace as never,
    base_url: sink.url,
    machine_id: "bench-machine",
    hostname: "bench",
  });
  const origin = `http://127.0.0.1:${rt.dashboard.port}`;
  const wake = () =>
    fetch(`${origin}/v1/cloud/wake`, {
      method: "POST",
      headers: { origin, "content-type": "application/json" },
      body: "{}",
    }).then((r) => r.arrayBuffer());
  const setDraining = async (on: boolean) => {
    patchCloudState(ctl, { paused_reason: on ? null : "paused_manual" });
    await wake();
    await new Promise((r) => setTimeout(r, 300));
  };
  // Interleaved windows (idle, draining, idle, …) so the machine's background noise hits both.
  const idle: LoadResult[] = [];
  const busy: LoadResult[] = [];
  let drainedRows = 0;
  for (let i = 0; i < PAIRS; i++) {
    await setDraining(false);
    idle.push(await run());
    await setDraining(true);
    const r0 = sink.rows();
    busy.push(await run());
    drainedRows += sink.rows() - r0;
  }
  const med = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const idleRps = med(idle.map((r) => r.rps));
  const busyRps = med(busy.map((r) => r.rps));
  const ratio = busyRps / idleRps;
  console.log(
    `\nproxy req/s (base-URL mode, concurrency 16; median of ${PAIRS} interleaved ${
      WINDOW_MS / 1000
    }s windows each)`,
  );
  console.log(
    `  worker idle (paused)              ${fmt(idleRps)} req/s   1.00   p99 ${
      med(idle.map((r) => r.p99)).toFixed(1)
    } ms`,
  );
  console.log(
    `  worker draining ${BACKLOG} backlog   ${fmt(busyRps)} req/s   ${ratio.toFixed(2)}   p99 ${
      med(busy.map((r) => r.p99)).toFixed(1)
    } ms   (drained ${fmt(drainedRows / (PAIRS * WINDOW_MS / 1000))} rows/s meanwhile)`,
  );
  console.log(
    `\ntarget: draining within 10% of idle → ${ratio >= 0.9 ? "MET" : "NOT MET"} (${
      ratio.toFixed(2)
    })`,
  );
} finally {
  for (const c of cleanups) await c();
}
