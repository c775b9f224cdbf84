/**
 * @module The sync worker's state machine against a scripted fake server and a fake clock:
 * batching, removal only after 200, rejected rows, backoff with jitter and its cap, Retry-After,
 * 401/403 pauses, backlog growth, bodies with the cap and 404 retry, logging on change only.
 */
import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import { Store } from "../store/store.ts";
import {
  bodyMarkCounts,
  getCloudState,
  outboxCount,
  patchCloudState,
  rowMarkCounts,
  savePairing,
} from "../store/cloud.ts";
import { CloudClient } from "./client.ts";
import { compilePolicy } from "./privacy.ts";
import { cloudConfig, sampleRow } from "./testing.ts";
import { BACKOFF_CAP_MS, backoffMs, SyncWorker } from "./worker.ts";

interface Seen {
  method: string;
  path: string;
  body: Record<string, unknown> | null;
}
type Reply = (req: Seen) => Response | "network-error";

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

/** A server that accepts every batch and knows which ids it has. */
function acceptAll(known: Set<string>): Reply {
  return (req) => {
    if (req.path === "/v1/requests/batch") {
      const rows = req.body!.rows as { request_id: string }[];
      let accepted = 0, duplicates = 0;
      for (const r of rows) {
        known.has(r.request_id) ? duplicates++ : (known.add(r.request_id), accepted++);
      }
      return json(200, { accepted, duplicates, rejected: [] });
    }
    const m = /^\/v1\/requests\/([^/]+)\/body$/.exec(req.path);
    if (m) {
      if (!known.has(m[1])) {
        return json(404, {
          error: { code: "not_found", message: "unknown request", request_id: "x" },
        });
      }
      return json(200, {
        request_id: m[1],
        direction: req.body!.direction,
        bytes: 1,
        redaction_applied: true,
      });
    }
    return json(404, { error: { code: "not_found", message: "no route", request_id: "x" } });
  };
}

async function setup(opts: { cloud?: Record<string, unknown>; batchSize?: number } = {}) {
  const dir = await Deno.makeTempDir();
  const store = Store.open(`${dir}/db.sqlite`);
  savePairing(store, {
    api_key_ciphertext: "unused-in-this-test",
    base_url: "http://cloud.fake",
    workspace_id: "ws",
    workspace_slug: "acme",
    workspace_name: "Acme",
    workspace_tier: "team",
    machine_id: "machine-1",
    hostname: "dev-laptop",
  });
  const seen: Seen[] = [];
  let reply: Reply = acceptAll(new Set());
  const fakeFetch = ((input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === "string" || input instanceof URL ? input : input.url);
    const s: Seen = {
      method: init?.method ?? "GET",
      path: url.pathname,
      body: init?.body ? JSON.parse(String(init.body)) : null,
    };
    seen.push(s);
    const r = reply(s);
    if (r === "network-error") {
      return Promise.reject(new TypeError("error sending request: connection refused"));
    }
    return Promise.resolve(r);
  }) as typeof fetch;
  const client = new CloudClient({
    baseUrl: "http://cloud.fake",
    token: "hm_sync_test",
    fetch: fakeFetch,
  });
  let now = Date.parse("2026-11-20T12:00:00Z");
  const logs: string[] = [];
  const policy = compilePolicy(cloudConfig(opts.cloud ?? {}).cloud);
  const worker = new SyncWorker({
    store,
    client: () => client,
    policy: () => policy,
    bodyIntervalMs: () => 60_000,
    logger: createLogger({ write: (l) => logs.push(l) }),
    clock: { now: () => now },
    random: () => 0.5,
    batchSize: opts.batchSize,
  });
  return {
    store,
    worker,
    seen,
    logs,
    setReply: (r: Reply) => (reply = r),
    advance: (ms: number) => (now += ms),
    add: (n: number, over = {}) => {
      const rows = Array.from({ length: n }, () => sampleRow(over));
      store.insertBatch(rows);
      return rows;
    },
    close: async () => {
      store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const batches = (seen: Seen[]) => seen.filter((s) => s.path === "/v1/requests/batch");

Deno.test("worker drains the outbox in batches of at most 500", async (t) => {
  const h = await setup();
  try {
    h.add(1200);
    await t.step("three batches, outbox empty, ACTIVE", async () => {
      let guard = 0;
      while (outboxCount(h.store) > 0 && guard++ < 10) await h.worker.step();
      assert.deepEqual(batches(h.seen).map((s) => (s.body!.rows as unknown[]).length), [
        500,
        500,
        200,
      ]);
      assert.equal(outboxCount(h.store), 0);
      assert.equal(h.worker.state, "ACTIVE");
      assert.ok(getCloudState(h.store)!.last_sync_at);
      assert.equal(batches(h.seen)[0].body!.machine_id, "machine-1");
      assert.equal(batches(h.seen)[0].body!.schema_version, 1);
    });
    await t.step("an empty outbox sends nothing", async () => {
      const before = h.seen.length;
      await h.worker.step();
      assert.equal(h.seen.length, before);
    });
  } finally {
    await h.close();
  }
});

Deno.test("worker settles accepted, duplicate and rejected rows", async (t) => {
  const h = await setup();
  try {
    h.add(5);
    h.setReply((req) => {
      const ids = (req.body!.rows as { request_id: string }[]).map((r) => r.request_id);
      return json(200, {
        accepted: 3,
        duplicates: 1,
        rejected: [{ request_id: ids[4], error: "timestamp: invalid" }],
      });
    });
    await t.step(
      "duplicates and accepted leave the outbox; the rejected row is marked, not retried",
      async () => {
        await h.worker.step();
        assert.equal(outboxCount(h.store), 0);
        assert.equal(rowMarkCounts(h.store).rejected, 1);
        await h.worker.step();
        assert.equal(batches(h.seen).length, 1);
      },
    );
  } finally {
    await h.close();
  }
});

Deno.test("backoff with jitter is capped at 5 minutes and honours Retry-After", async (t) => {
  await t.step("exponential, jittered over the upper half", () => {
    assert.equal(backoffMs(1, () => 0, null), 500);
    assert.equal(backoffMs(1, () => 1, null), 1000);
    assert.equal(backoffMs(4, () => 0.5, null), 6000);
  });
  await t.step("capped", () => {
    for (const f of [20, 50, 1000]) assert.ok(backoffMs(f, () => 1, null) <= BACKOFF_CAP_MS);
    assert.equal(backoffMs(30, () => 1, null), BACKOFF_CAP_MS);
  });
  await t.step("Retry-After wins, also capped", () => {
    assert.equal(backoffMs(1, () => 0.5, 7000), 7000);
    assert.equal(backoffMs(1, () => 0.5, 3_600_000), BACKOFF_CAP_MS);
  });
});

Deno.test("worker goes DEGRADED on transport errors, backs off, and recovers", async (t) => {
  const h = await setup();
  try {
    h.add(10);
    h.setReply(() => "network-error");
    await t.step("first failure: DEGRADED, rows kept, delay from backoff", async () => {
      const delay = await h.worker.step();
      assert.equal(h.worker.state, "DEGRADED");
      assert.equal(outboxCount(h.store), 10);
      assert.equal(delay, backoffMs(1, () => 0.5, null));
      assert.match(getCloudState(h.store)!.last_error!, /cannot reach the cloud/);
    });
    await t.step("no attempt before the backoff ends", async () => {
      const n = h.seen.length;
      const delay = await h.worker.step();
      assert.equal(h.seen.length, n);
      assert.ok(delay > 0);
    });
    await t.step("delays grow and stop at the cap", async () => {
      let last = 0;
      for (let i = 0; i < 20; i++) {
        h.advance(BACKOFF_CAP_MS);
        last = await h.worker.step();
        assert.ok(last <= BACKOFF_CAP_MS);
      }
      assert.equal(last, BACKOFF_CAP_MS * 0.75);
      assert.equal(getCloudState(h.store)!.consecutive_failures, 21);
    });
    await t.step("Retry-After on 503 sets the next attempt", async () => {
      h.setReply(() =>
        json(503, { error: { code: "internal", message: "busy", request_id: "r" } }, {
          "retry-after": "7",
        })
      );
      h.advance(BACKOFF_CAP_MS);
      assert.equal(await h.worker.step(), 7000);
    });
    await t.step("back up: ACTIVE, all rows sent once, failures and error cleared", async () => {
      h.setReply(acceptAll(new Set()));
      h.advance(7000);
      await h.worker.step();
      assert.equal(h.worker.state, "ACTIVE");
      assert.equal(outboxCount(h.store), 0);
      const st = getCloudState(h.store)!;
      assert.equal(st.consecutive_failures, 0);
      assert.equal(st.last_error, null);
    });
    await t.step("logged on state change only", () => {
      const states = h.logs.map((l) => JSON.parse(l).msg).filter((m: string) =>
        m.startsWith("cloud sync")
      );
      assert.deepEqual(states, ["cloud sync ACTIVE", "cloud sync DEGRADED", "cloud sync ACTIVE"]);
    });
  } finally {
    await h.close();
  }
});

Deno.test("401 and 403 pause the worker with their reasons", async (t) => {
  const cases = [
    { status: 401, code: "token_invalid", reason: "paused_unauthorised" },
    { status: 403, code: "device_forbidden", reason: "paused_forbidden" },
  ];
  for (const c of cases) {
    await t.step(`${c.status} → PAUSED ${c.reason}`, async () => {
      const h = await setup();
      try {
        h.add(3);
        h.setReply(() =>
          json(c.status, { error: { code: c.code, message: "no", request_id: "r" } })
        );
        await h.worker.step();
        assert.equal(h.worker.state, "PAUSED");
        assert.equal(getCloudState(h.store)!.paused_reason, c.reason);
        assert.equal(outboxCount(h.store), 3);
        const n = h.seen.length;
        h.advance(BACKOFF_CAP_MS * 10);
        await h.worker.step();
        assert.equal(h.seen.length, n, "a paused worker sends nothing");
        // resume (what `cloud resume` writes after whoami says 200)
        h.setReply(acceptAll(new Set()));
        patchCloudState(h.store, {
          paused_reason: null,
          consecutive_failures: 0,
          last_error: null,
        });
        await h.worker.step();
        assert.equal(h.worker.state, "ACTIVE");
        assert.equal(outboxCount(h.store), 0);
      } finally {
        await h.close();
      }
    });
  }
  await t.step("manual pause is honoured", async () => {
    const h = await setup();
    try {
      h.add(2);
      patchCloudState(h.store, { paused_reason: "paused_manual" });
      await h.worker.step();
      assert.equal(h.worker.state, "PAUSED");
      assert.equal(batches(h.seen).length, 0);
    } finally {
      await h.close();
    }
  });
});

Deno.test("a backlog that grows faster than it drains is DEGRADED", async () => {
  const h = await setup({ batchSize: 10 });
  try {
    for (let i = 0; i < 40; i++) {
      h.add(20);
      await h.worker.step();
      h.advance(2000);
    }
    assert.equal(h.worker.state, "DEGRADED");
    assert.equal(getCloudState(h.store)!.consecutive_failures, 0);
    let guard = 0;
    while (outboxCount(h.store) > 0 && guard++ < 200) {
      await h.worker.step();
      h.advance(2000);
    }
    for (let i = 0; i < 40; i++) {
      await h.worker.step();
      h.advance(2000);
    }
    assert.equal(h.worker.state, "ACTIVE");
  } finally {
    await h.close();
  }
});

Deno.test("bodies: opt-in, cap, per-project opt-out, 404 retried", async (t) => {
  const h = await setup({
    cloud: {
      bodies: { enabled: true, max_body_bytes_per_upload: 1000 },
      projects: { secret: { bodies_upload: false } },
    },
  });
  try {
    const enc = new TextEncoder();
    const [small, big, hidden] = [h.add(1)[0], h.add(1)[0], h.add(1, { project_id: "secret" })[0]];
    const body = (id: string, text: string) => ({
      request_id: id,
      direction: "request" as const,
      content_type: "application/json",
      content: enc.encode(text),
      bytes: text.length,
      truncated: false,
    });
    h.store.insertBatch([], [
      body(small.request_id, '{"a":1}'),
      body(big.request_id, "x".repeat(2000)),
      body(hidden.request_id, "{}"),
    ]);
    const known = new Set<string>();
    let serverKnowsRows = false;
    h.setReply((req) => {
      if (req.path === "/v1/requests/batch") {
        return json(200, { accepted: 0, duplicates: 0, rejected: [] }); // answered, not yet visible
      }
      return serverKnowsRows
        ? acceptAll(known)(req)
        : json(404, { error: { code: "not_found", message: "unknown", request_id: "r" } });
    });
    await t.step("a 404 leaves the body for a later pass", async () => {
      await h.worker.step();
      assert.equal(bodyMarkCounts(h.store).uploaded ?? 0, 0);
      assert.equal(bodyMarkCounts(h.store).skipped_cap, 1);
      assert.equal(bodyMarkCounts(h.store).skipped_project, 1);
    });
    await t.step(
      "next interval uploads it; over-cap and opted-out bodies are never sent",
      async () => {
        for (const r of [small, big, hidden]) known.add(r.request_id);
        serverKnowsRows = true;
        h.advance(60_000);
        await h.worker.step();
        assert.equal(bodyMarkCounts(h.store).uploaded, 1);
        const bodyPaths = h.seen.filter((s) => s.path.endsWith("/body") && s.method === "POST").map(
          (s) => s.path,
        );
        assert.ok(bodyPaths.every((p) => p.includes(small.request_id)));
      },
    );
  } finally {
    await h.close();
  }
});

Deno.test("bodies: secret-looking values are redacted before upload", async () => {
  const h = await setup({ cloud: { bodies: { enabled: true } } });
  try {
    const [row] = h.add(1);
    const text = '{"note":"my key is sk-ant-api03-SECRETSECRET123","q":"hi"}';
    h.store.insertBatch([], [{
      request_id: row.request_id,
      direction: "request",
      content_type: "application/json",
      content: new TextEncoder().encode(text),
      bytes: text.length,
      truncated: false,
    }]);
    await h.worker.step();
    const up = h.seen.find((s) => s.path.endsWith("/body"))!;
    assert.ok(up, "body uploaded");
    assert.ok(!String(up.body!.content).includes("SECRETSECRET"));
    assert.match(String(up.body!.content), /\[redacted\]/);
    assert.equal(up.body!.redaction_applied, true);
  } finally {
    await h.close();
  }
});
