/** @module Pairing state machine over the real API and a real Postgres: every state, expiry, slow_down, single use, restart, brute force. */
import assert from "node:assert/strict";
import { ManualClock, startTestServer, type TestServer } from "../testing.ts";
import { PairingPollResponse, PairingStartResponse } from "../../shared/schemas/mod.ts";
import {
  STARTS_PER_IP,
  WRONG_CODE_LIMIT_PER_IP,
  WRONG_CODE_LIMIT_PER_USER,
} from "../services/pairing.ts";

const post = (ts: TestServer, path: string, body: unknown, headers: Record<string, string> = {}) =>
  ts.fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

async function start(
  ts: TestServer,
  machineId = crypto.randomUUID(),
): Promise<PairingStartResponse> {
  const res = await post(ts, "/v1/pairing/start", {
    machine_id: machineId,
    hostname: "laptop",
    daemon_version: "1.0.0",
  });
  assert.equal(res.status, 201);
  return PairingStartResponse.parse(await res.json());
}

async function poll(
  ts: TestServer,
  s: PairingStartResponse,
): Promise<[number, PairingPollResponse]> {
  const res = await post(ts, "/v1/pairing/poll", {
    pairing_id: s.pairing_id,
    poll_secret: s.poll_secret,
  });
  return [res.status, PairingPollResponse.parse(await res.json())];
}

Deno.test("pairing state machine", async (t) => {
  const clock = new ManualClock(new Date("2026-03-01T10:00:00Z"));
  const ts = await startTestServer({
    clock,
    config: { pairingDashboardUrl: "https://dash.example.com" },
  });
  try {
    const owner = await ts.createAccount({
      email: "owner@a.test",
      workspace: "Acme",
      tier: "team",
    });
    await ts.createAccount({ email: "viewer@a.test", workspace: "Acme", role: "viewer" });
    const cookie = await ts.login("owner@a.test");
    const viewerCookie = await ts.login("viewer@a.test");
    const approve = (code: string, c = cookie, ws = owner.workspace.id, ip = "10.0.0.1") =>
      post(ts, "/v1/pairing/approve", { code, workspace_id: ws }, {
        cookie: c,
        "x-forwarded-for": ip,
      });

    await t.step("start answers the RFC 8628 fields", async () => {
      const s = await start(ts);
      assert.match(s.code, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
      assert.equal(s.expires_in, 600);
      assert.equal(s.interval, 2);
      assert.equal(s.approve_url, `https://dash.example.com/connect?code=${s.code}`);
    });

    await t.step("approve_url defaults to the server's own (forwarded) origin", async () => {
      const plain = await startTestServer({ clock });
      try {
        const own = await (await post(plain, "/v1/pairing/start", {
          machine_id: "m1",
          hostname: "h",
          daemon_version: "1",
        })).json();
        assert.equal(own.approve_url, `http://localhost/connect?code=${own.code}`);
        const fwd = await (await post(plain, "/v1/pairing/start", {
          machine_id: "m2",
          hostname: "h",
          daemon_version: "1",
        }, { "x-forwarded-host": "meter.example.org", "x-forwarded-proto": "https" })).json();
        assert.equal(fwd.approve_url, `https://meter.example.org/connect?code=${fwd.code}`);
      } finally {
        await plain.close();
      }
    });

    await t.step("pending, then slow_down when polled faster than the interval", async () => {
      const s = await start(ts);
      assert.deepEqual(await poll(ts, s), [200, { status: "pending" }]);
      clock.advance(500);
      assert.deepEqual(await poll(ts, s), [200, { status: "slow_down", interval: 2 }]);
      clock.advance(2000);
      assert.deepEqual(await poll(ts, s), [200, { status: "pending" }]);
    });

    await t.step(
      "approve (code lower case, no hyphen) → approved with token once → consumed",
      async () => {
        const s = await start(ts);
        const res = await approve(s.code.replace("-", "").toLowerCase());
        assert.equal(res.status, 200);
        const body = await res.json();
        assert.equal(body.status, "approved");
        assert.equal(body.workspace.id, owner.workspace.id);
        const [status, p] = await poll(ts, s);
        assert.equal(status, 200);
        assert.equal(p.status, "approved");
        if (p.status !== "approved") return;
        assert.match(p.token, /^hm_sync_[A-Za-z0-9_-]{43}$/);
        assert.deepEqual(p.workspace, {
          id: owner.workspace.id,
          slug: "acme",
          name: "Acme",
          tier: "team",
        });
        clock.advance(2000);
        assert.deepEqual(await poll(ts, s), [200, { status: "consumed" }]);
        const who = await ts.fetch("/v1/daemon/whoami", {
          headers: { authorization: `Bearer ${p.token}` },
        });
        assert.equal(who.status, 200);
        const [row] = await ts.db
          .sql`SELECT token_hash FROM devices WHERE machine_id = ${body.machine_id}`;
        assert.notEqual(row.token_hash, p.token, "only the hash is stored");
        assert.match(row.token_hash, /^[0-9a-f]{64}$/);
      },
    );

    await t.step("a code is used once", async () => {
      const s = await start(ts);
      assert.equal((await approve(s.code)).status, 200);
      const again = await approve(s.code);
      assert.equal(again.status, 404);
      assert.equal((await again.json()).error.code, "pairing_not_found");
    });

    await t.step("deny → denied", async () => {
      const s = await start(ts);
      const res = await post(ts, "/v1/pairing/deny", { code: s.code }, { cookie });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).status, "denied");
      assert.deepEqual(await poll(ts, s), [200, { status: "denied" }]);
    });

    await t.step("expired after 600 s → 410, and cannot be approved", async () => {
      const s = await start(ts);
      clock.advance(600_000);
      assert.deepEqual(await poll(ts, s), [410, { status: "expired" }]);
      assert.equal((await approve(s.code)).status, 404);
    });

    await t.step("cancel → cancelled", async () => {
      const s = await start(ts);
      const res = await post(ts, "/v1/pairing/cancel", {
        pairing_id: s.pairing_id,
        poll_secret: s.poll_secret,
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { pairing_id: s.pairing_id, status: "cancelled" });
      assert.deepEqual(await poll(ts, s), [200, { status: "cancelled" }]);
      assert.equal((await approve(s.code)).status, 404);
    });

    await t.step("a new start for the same machine cancels the one in flight", async () => {
      const machine = crypto.randomUUID();
      const first = await start(ts, machine);
      const second = await start(ts, machine);
      assert.deepEqual(await poll(ts, first), [200, { status: "cancelled" }]);
      assert.deepEqual(await poll(ts, second), [200, { status: "pending" }]);
    });

    await t.step("wrong poll secret → 404", async () => {
      const s = await start(ts);
      const res = await post(ts, "/v1/pairing/poll", {
        pairing_id: s.pairing_id,
        poll_secret: "x".repeat(43),
      });
      assert.equal(res.status, 404);
    });

    const bad: [string, string, unknown][] = [
      ["/v1/pairing/start", "no machine_id", { hostname: "h", daemon_version: "1" }],
      ["/v1/pairing/start", "empty hostname", {
        machine_id: "m",
        hostname: "",
        daemon_version: "1",
      }],
      ["/v1/pairing/poll", "pairing_id not a uuid", { pairing_id: "x", poll_secret: "y" }],
      ["/v1/pairing/poll", "no poll_secret", { pairing_id: crypto.randomUUID() }],
      ["/v1/pairing/cancel", "empty body", {}],
      ["/v1/pairing/approve", "no workspace_id", { code: "ABCD-EFGH" }],
      ["/v1/pairing/deny", "code not a string", { code: 12345678 }],
    ];
    for (const [path, name, body] of bad) {
      await t.step(`bad input: ${path} ${name} → 422`, async () => {
        const res = await post(ts, path, body, { cookie });
        assert.equal(res.status, 422);
        const e = await res.json();
        assert.equal(e.error.code, "validation_failed");
        assert.ok(e.error.request_id);
      });
    }

    await t.step("wrong role: a member who is owner/admin nowhere cannot deny (403)", async () => {
      const s = await start(ts);
      const res = await post(ts, "/v1/pairing/deny", { code: s.code }, { cookie: viewerCookie });
      assert.equal(res.status, 403);
      assert.deepEqual(await poll(ts, s), [200, { status: "pending" }]);
    });

    await t.step("wrong role: a viewer cannot approve (403), anonymous cannot (401)", async () => {
      const s = await start(ts);
      assert.equal((await approve(s.code, viewerCookie)).status, 403);
      const anon = await post(ts, "/v1/pairing/approve", {
        code: s.code,
        workspace_id: owner.workspace.id,
      });
      assert.equal(anon.status, 401);
      assert.deepEqual(await poll(ts, s), [200, { status: "pending" }]);
    });

    await t.step("brute force: wrong codes are limited per user", async () => {
      const u = await ts.createAccount({ email: "brute@a.test", workspace: "Brute" });
      const c = await ts.login("brute@a.test");
      const real = await start(ts);
      for (let i = 0; i < WRONG_CODE_LIMIT_PER_USER; i++) {
        const r = await approve("ZZZZ-ZZZ" + (i % 10), c, u.workspace.id, `10.1.0.${i}`);
        assert.equal(r.status, 404);
      }
      const blocked = await approve(real.code, c, u.workspace.id, "10.2.0.1");
      assert.equal(blocked.status, 429, "even the right code is refused once over the limit");
      assert.ok(Number(blocked.headers.get("retry-after")) > 0);
      assert.equal((await blocked.json()).error.code, "rate_limited");
      clock.advance(16 * 60_000);
      const fresh = await start(ts);
      assert.equal((await approve(fresh.code, c, u.workspace.id, "10.2.0.1")).status, 200);
    });

    await t.step("brute force: wrong codes are limited per IP across users", async () => {
      const ip = "192.0.2.77";
      const users = [];
      for (let i = 0; i < 4; i++) {
        users.push(await ts.createAccount({ email: `ip${i}@a.test`, workspace: `Ip${i}` }));
      }
      const cookies = [];
      for (const u of users) cookies.push(await ts.login(u.user.email));
      assert.ok(WRONG_CODE_LIMIT_PER_IP < users.length * WRONG_CODE_LIMIT_PER_USER);
      for (let i = 0; i < WRONG_CODE_LIMIT_PER_IP; i++) {
        const k = i % users.length;
        const r = await approve(
          `YYYY-YY${String(i % 100).padStart(2, "0")}`,
          cookies[k],
          users[k].workspace.id,
          ip,
        );
        assert.equal(r.status, 404);
      }
      const s = await start(ts);
      assert.equal((await approve(s.code, cookies[0], users[0].workspace.id, ip)).status, 429);
      assert.equal(
        (await approve(s.code, cookies[0], users[0].workspace.id, "192.0.2.78")).status,
        200,
      );
    });

    await t.step("pairing starts are limited per IP", async () => {
      const ip = "198.51.100.9";
      const startFrom = (n: number) =>
        post(
          ts,
          "/v1/pairing/start",
          { machine_id: `m-${n}`, hostname: "h", daemon_version: "1" },
          {
            "x-forwarded-for": ip,
          },
        );
      for (let i = 0; i < STARTS_PER_IP; i++) assert.equal((await startFrom(i)).status, 201);
      const res = await startFrom(-1);
      assert.equal(res.status, 429);
      assert.ok(Number(res.headers.get("retry-after")) > 0);
      clock.advance(11 * 60_000);
      assert.equal((await startFrom(-2)).status, 201);
    });

    await t.step("every pairing change is audited", async () => {
      const actions = (await ts.db.sql`SELECT DISTINCT action FROM audit_events`).map((r) =>
        r.action
      );
      for (
        const a of [
          "pairing.started",
          "pairing.approved",
          "pairing.denied",
          "pairing.cancelled",
          "device.token_issued",
        ]
      ) {
        assert.ok(actions.includes(a), `audit has ${a}`);
      }
    });
  } finally {
    await ts.close();
  }
});
