/**
 * @module Server ingest benchmark (local Postgres, loopback only, bounded < 2 min):
 * - rows/s through HTTP `POST /v1/requests/batch` in batches of 500 (validation, re-pricing, one
 *   `INSERT … SELECT unnest … ON CONFLICT DO NOTHING` statement), against the raw same-shape
 *   `INSERT … SELECT * FROM unnest(…)` of prebuilt arrays into the same table. Batches alternate
 *   (HTTP, raw, HTTP, raw…) so machine noise hits both equally. Target: HTTP ≥ 60% of raw.
 * - p50 / p99 batch latency over HTTP.
 * - the all-duplicates replay rate (every HTTP batch sent again).
 *
 * Usage: deno run -A scripts/bench_ingest.ts [--batches N]   (default 60 batches of 500 rows each side)
 */
import { makeRow, pairDevice, startTestServer } from "../server/testing.ts";
import { columnArrays, ROW_COLUMNS, unnestSql, validateRows } from "../server/services/ingest.ts";
import { loadPriceTable } from "../server/services/pricing.ts";

const BATCH = 500;
const DEADLINE_MS = 100_000;
const argIdx = Deno.args.indexOf("--batches");
const BATCHES = argIdx >= 0 ? Number(Deno.args[argIdx + 1]) : 60;

const models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "unknown-model-x"];
const providers: Record<string, string> = {
  "gpt-4o": "openai",
  "gpt-4o-mini": "openai",
  "claude-sonnet-4-5": "anthropic",
  "unknown-model-x": "openai",
};
function rows(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => {
    const model = models[i % models.length];
    return makeRow({
      model,
      provider: providers[model],
      prompt_tokens: 100 + (i % 5000),
      completion_tokens: 10 + (i % 700),
      hostname: "bench-host",
      prompt_hash: "0123456789abcdef",
      latency_ms: 1234,
      user_agent: "bench/1.0",
    });
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const ts = await startTestServer({ listen: true });
const started = performance.now();
try {
  const acct = await ts.createAccount({
    email: "bench@bench.test",
    workspace: "Bench",
    tier: "team",
  });
  const cookie = await ts.login("bench@bench.test");
  const dev = await pairDevice(ts, { cookie, workspaceId: acct.workspace.id });
  const [{ id: deviceId }] = await ts.db
    .sql`SELECT id FROM devices WHERE machine_id = ${dev.machineId}`;
  const table = await loadPriceTable(ts.db.sql);
  const rawSql = `INSERT INTO requests (workspace_id, device_id, received_at, ${
    ROW_COLUMNS.join(", ")
  })
    SELECT $1::uuid, $2::uuid, $3::timestamptz, u.* FROM ${unnestSql(3)}
    ON CONFLICT (workspace_id, request_id) DO NOTHING`;

  const sendHttp = async (body: string) => {
    const t0 = performance.now();
    const res = await fetch(`${ts.baseUrl}/v1/requests/batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${dev.token}`, "content-type": "application/json" },
      body,
    });
    const j = await res.json();
    if (res.status !== 200) {
      throw new Error(`Batch failed: HTTP ${res.status} ${JSON.stringify(j)}`);
    }
    return { ms: performance.now() - t0, j };
  };
  const sendRaw = async (arrays: (string | null)[][]) => {
    const t0 = performance.now();
    await ts.db.sql.unsafe(
      rawSql,
      [
        acct.workspace.id,
        deviceId,
        new Date().toISOString(),
        ...arrays.map((a) => ts.db.sql.array(a, 25)),
      ] as never[],
      { prepare: true },
    );
    return performance.now() - t0;
  };

  // Warm-up (JIT, prepared statements, connections); not measured.
  for (let i = 0; i < 3; i++) {
    await sendHttp(
      JSON.stringify({ schema_version: 1, machine_id: dev.machineId, rows: rows(BATCH) }),
    );
    const r = validateRows(rows(BATCH)).valid;
    await sendRaw(columnArrays(r, table).arrays);
  }

  const httpBodies: string[] = [];
  const rawArrays: (string | null)[][][] = [];
  for (let i = 0; i < BATCHES; i++) {
    httpBodies.push(
      JSON.stringify({ schema_version: 1, machine_id: dev.machineId, rows: rows(BATCH) }),
    );
    rawArrays.push(columnArrays(validateRows(rows(BATCH)).valid, table).arrays);
  }

  const httpMs: number[] = [];
  const rawMs: number[] = [];
  let accepted = 0;
  let done = 0;
  for (let i = 0; i < BATCHES && performance.now() - started < DEADLINE_MS * 0.6; i++) {
    const h = await sendHttp(httpBodies[i]);
    httpMs.push(h.ms);
    accepted += h.j.accepted;
    rawMs.push(await sendRaw(rawArrays[i]));
    done++;
  }
  if (accepted !== done * BATCH) {
    throw new Error(`Expected ${done * BATCH} accepted rows, got ${accepted}`);
  }

  const replayMs: number[] = [];
  let dups = 0;
  for (let i = 0; i < done && performance.now() - started < DEADLINE_MS; i++) {
    const h = await sendHttp(httpBodies[i]);
    replayMs.push(h.ms);
    dups += h.j.duplicates;
  }
  if (dups !== replayMs.length * BATCH) {
    throw new Error(`Replay: expected all duplicates, got ${dups}`);
  }

  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const httpRate = (httpMs.length * BATCH) / (sum(httpMs) / 1000);
  const rawRate = (rawMs.length * BATCH) / (sum(rawMs) / 1000);
  const replayRate = (replayMs.length * BATCH) / (sum(replayMs) / 1000);
  const ratio = httpRate / rawRate;
  console.log(`bench_ingest: ${done} batches × ${BATCH} rows each side (HTTP / raw alternating)`);
  console.log(
    `  raw INSERT … SELECT unnest   ${rawRate.toFixed(0).padStart(8)} rows/s  (baseline)`,
  );
  console.log(
    `  HTTP /v1/requests/batch      ${httpRate.toFixed(0).padStart(8)} rows/s  = ${
      (ratio * 100).toFixed(1)
    }% of raw (target ≥ 60%)`,
  );
  console.log(
    `  all-duplicates replay        ${replayRate.toFixed(0).padStart(8)} rows/s  = ${
      (replayRate / rawRate * 100).toFixed(1)
    }% of raw`,
  );
  console.log(
    `  HTTP batch latency p50 ${pct(httpMs, 50).toFixed(1)} ms, p99 ${
      pct(httpMs, 99).toFixed(1)
    } ms (raw p99 ${pct(rawMs, 99).toFixed(1)} ms)`,
  );
  console.log(`  total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (ratio < 0.6) {
    console.log("  BELOW TARGET: HTTP ingest under 60% of raw");
    Deno.exitCode = 1;
  }
} finally {
  await ts.close();
}
