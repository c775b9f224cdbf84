/** @module Tenant isolation: a session, personal token or device token of workspace A never reads or writes B, on every route. */
import assert from "node:assert/strict";
import { bearerJson, makeRow, pairDevice, startTestServer } from "./testing.ts";

Deno.test("tenant isolation", async (t) => {
  const ts = await startTestServer();
  try {
    const a = await ts.createAccount({
      email: "a@iso.test",
      workspace: "Alpha",
      tier: "enterprise",
    });
    const b = await ts.createAccount({
      email: "b@iso.test",
      workspace: "Beta",
      tier: "enterprise",
    });
    const ca = await ts.login("a@iso.test");
    const cb = await ts.login("b@iso.test");
    const pat = (await (await ts.fetch("/v1/auth/tokens", {
      method: "POST",
      headers: { cookie: ca, "content-type": "application/json" },
      body: '{"name":"a"}',
    })).json()).token as string;
    const da = await pairDevice(ts, { cookie: ca, workspaceId: a.workspace.id });
    const db = await pairDevice(ts, { cookie: cb, workspaceId: b.workspace.id });
    const bDevice = (await ts.db.sql`SELECT id FROM devices WHERE machine_id = ${db.machineId}`)[0]
      .id as string;
    const shared = makeRow();
    const bOnly = makeRow();
    const batch = (d: typeof da, rows: unknown[]) =>
      ts.fetch(
        "/v1/requests/batch",
        bearerJson(d.token, "POST", { schema_version: 1, machine_id: d.machineId, rows }),
      );
    await batch(db, [shared, bOnly]);

    const B = b.workspace;
    const userRoutes: [string, string, string, unknown?][] = [
      ["GET", `/v1/workspaces/${B.id}/overview`, "overview by id"],
      ["GET", `/v1/workspaces/${B.slug}/overview?group_by=member`, "overview by slug"],
      ["GET", `/v1/workspaces/${B.id}/devices`, "devices"],
      ["GET", `/v1/workspaces/${B.id}/members`, "members"],
      ["GET", `/v1/workspaces/${B.id}/audit`, "audit log"],
      ["GET", `/v1/workspaces/${B.id}/reconciliation`, "reconciliation"],
      ["GET", `/w/${B.slug}`, "overview page"],
      ["POST", `/v1/workspaces/${B.id}/members`, "add member", {
        email: "a@iso.test",
        role: "owner",
      }],
      ["POST", `/v1/workspaces/${B.id}/devices/${bDevice}/suspend`, "suspend", {}],
      ["POST", `/v1/workspaces/${B.id}/devices/${bDevice}/revoke`, "revoke", {}],
      [
        "POST",
        `/v1/workspaces/${a.workspace.id}/devices/${bDevice}/revoke`,
        "revoke B's device through A's path",
        {},
      ],
    ];
    for (
      const [auth, headers] of [["session", { cookie: ca }], ["personal token", {
        authorization: `Bearer ${pat}`,
      }]] as const
    ) {
      for (const [method, path, name, body] of userRoutes) {
        await t.step(`${auth} of A: ${name} → 404`, async () => {
          const res = await ts.fetch(path, {
            method,
            headers: { ...headers, "content-type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          assert.equal(res.status, 404, `${method} ${path}`);
          if (path.startsWith("/v1/")) assert.equal((await res.json()).error.code, "not_found");
          else assert.doesNotMatch(await res.text(), /Beta/);
        });
      }
    }

    await t.step("A cannot approve a pairing into B", async () => {
      const start = await (await ts.fetch("/v1/pairing/start", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ machine_id: "iso-m", hostname: "h", daemon_version: "1" }),
      })).json();
      const res = await ts.fetch("/v1/pairing/approve", {
        method: "POST",
        headers: { cookie: ca, "content-type": "application/json" },
        body: JSON.stringify({ code: start.code, workspace_id: B.id }),
      });
      assert.equal(res.status, 404);
      const [p] = await ts.db
        .sql`SELECT status FROM pairing_requests WHERE id = ${start.pairing_id}`;
      assert.equal(p.status, "pending");
    });

    await t.step("device A: the same request_id lands in A only; B's row untouched", async () => {
      const mine = { ...shared, model: "gpt-4o-mini" };
      const res = await (await batch(da, [mine])).json();
      assert.equal(res.accepted, 1, "per-workspace idempotency: not a duplicate of B's row");
      const rows = await ts.db
        .sql`SELECT workspace_id, model FROM requests WHERE request_id = ${shared
        .request_id as string} ORDER BY model`;
      assert.deepEqual(rows.map((r) => ({ ...r })), [
        { workspace_id: B.id, model: "gpt-4o" },
        { workspace_id: a.workspace.id, model: "gpt-4o-mini" },
      ]);
    });

    await t.step("device A: cannot attach a body to B's request (404)", async () => {
      const res = await ts.fetch(
        `/v1/requests/${bOnly.request_id}/body`,
        bearerJson(da.token, "POST", {
          direction: "request",
          content: "x",
          redaction_applied: false,
        }),
      );
      assert.equal(res.status, 404);
      const [n] = await ts.db.sql`SELECT count(*)::int AS n FROM request_bodies`;
      assert.equal(n.n, 0);
    });

    await t.step("device A: daemon totals land on A's device only", async () => {
      await ts.fetch(
        "/v1/reconciliation/daemon-totals",
        bearerJson(da.token, "POST", {
          days: [{
            date: "2026-01-01",
            provider: "openai",
            model: "m",
            cost_usd_millicents: 1,
            rows: 1,
          }],
        }),
      );
      const rows = await ts.db.sql`SELECT workspace_id FROM daemon_totals`;
      assert.deepEqual(rows.map((r) => r.workspace_id), [a.workspace.id]);
    });

    await t.step("device A: whoami is A; A's device token is not a user credential", async () => {
      assert.equal(
        (await (await ts.fetch("/v1/daemon/whoami", bearerJson(da.token, "GET"))).json()).workspace
          .id,
        a.workspace.id,
      );
      assert.equal(
        (await ts.fetch(`/v1/workspaces/${a.workspace.id}/overview`, bearerJson(da.token, "GET")))
          .status,
        401,
      );
      assert.equal(
        (await ts.fetch("/v1/daemon/whoami", { headers: { authorization: `Bearer ${pat}` } }))
          .status,
        401,
      );
    });

    await t.step("B's overview counts only B's rows; B's device still works", async () => {
      const o =
        await (await ts.fetch(`/v1/workspaces/${B.id}/overview`, { headers: { cookie: cb } }))
          .json();
      assert.equal(o.totals.requests, 2);
      assert.equal((await ts.fetch("/v1/daemon/whoami", bearerJson(db.token, "GET"))).status, 200);
      const [m] = await ts.db
        .sql`SELECT count(*)::int AS n FROM memberships WHERE workspace_id = ${B.id}`;
      assert.equal(m.n, 1);
    });
  } finally {
    await ts.close();
  }
});
