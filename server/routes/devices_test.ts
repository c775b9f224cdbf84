/** @module Device lifecycle over the real API: whoami, disconnect, suspend ⇄ reactivate, revoke, roles and tier gates. */
import assert from "node:assert/strict";
import { bearerJson, pairDevice, startTestServer } from "../testing.ts";
import { TierLocked, WhoamiResponse } from "../../shared/schemas/mod.ts";

Deno.test("devices and daemon identity", async (t) => {
  const ts = await startTestServer();
  try {
    const team = await ts.createAccount({
      email: "owner@dev.test",
      workspace: "Team Co",
      tier: "team",
    });
    await ts.createAccount({ email: "admin@dev.test", workspace: "Team Co", role: "admin" });
    await ts.createAccount({ email: "editor@dev.test", workspace: "Team Co", role: "editor" });
    const solo = await ts.createAccount({ email: "solo@dev.test", workspace: "Solo Co" });
    const owner = await ts.login("owner@dev.test");
    const admin = await ts.login("admin@dev.test");
    const editor = await ts.login("editor@dev.test");
    const soloCookie = await ts.login("solo@dev.test");
    const whoami = (token: string) => ts.fetch("/v1/daemon/whoami", bearerJson(token, "GET"));
    const act = (cookie: string, ws: string, id: string, action: string) =>
      ts.fetch(`/v1/workspaces/${ws}/devices/${id}/${action}`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: "{}",
      });
    const deviceId = async (machineId: string) =>
      (await ts.db.sql`SELECT id FROM devices WHERE machine_id = ${machineId}`)[0].id as string;

    await t.step("whoami answers workspace, machine, hostname, status", async () => {
      const d = await pairDevice(ts, {
        cookie: owner,
        workspaceId: team.workspace.id,
        hostname: "box-1",
      });
      const res = await whoami(d.token);
      assert.equal(res.status, 200);
      assert.deepEqual(WhoamiResponse.parse(await res.json()), {
        workspace: { id: team.workspace.id, slug: "team-co", name: "Team Co", tier: "team" },
        machine_id: d.machineId,
        hostname: "box-1",
        device_status: "active",
      });
    });

    const badTokens: [string, Record<string, string>][] = [
      ["no header", {}],
      ["not a sync token", { authorization: "Bearer hm_pat_abc" }],
      ["unknown sync token", { authorization: "Bearer hm_sync_" + "A".repeat(43) }],
      ["basic auth", { authorization: "Basic Zm9vOmJhcg==" }],
    ];
    for (const [name, headers] of badTokens) {
      await t.step(`401 token_invalid: ${name}`, async () => {
        const res = await ts.fetch("/v1/daemon/whoami", { headers });
        assert.equal(res.status, 401);
        assert.equal((await res.json()).error.code, "token_invalid");
      });
    }

    await t.step("disconnect → 204, audited, and the token is dead", async () => {
      const d = await pairDevice(ts, { cookie: owner, workspaceId: team.workspace.id });
      const res = await ts.fetch("/v1/daemon/disconnect", bearerJson(d.token, "DELETE"));
      assert.equal(res.status, 204);
      assert.equal((await whoami(d.token)).status, 401);
      const [a] = await ts.db
        .sql`SELECT count(*)::int AS n FROM audit_events WHERE action = 'device.disconnected'`;
      assert.equal(a.n, 1);
    });

    await t.step(
      "re-pairing the same machine keeps one device and kills the old token",
      async () => {
        const machineId = crypto.randomUUID();
        const first = await pairDevice(ts, {
          cookie: owner,
          workspaceId: team.workspace.id,
          machineId,
        });
        const second = await pairDevice(ts, {
          cookie: owner,
          workspaceId: team.workspace.id,
          machineId,
        });
        assert.equal((await whoami(first.token)).status, 401);
        assert.equal((await whoami(second.token)).status, 200);
        const [n] = await ts.db
          .sql`SELECT count(*)::int AS n FROM devices WHERE machine_id = ${machineId}`;
        assert.equal(n.n, 1);
      },
    );

    await t.step("suspend → 403 device_forbidden; reactivate → the same token works", async () => {
      const d = await pairDevice(ts, { cookie: owner, workspaceId: team.workspace.id });
      const id = await deviceId(d.machineId);
      const s = await act(admin, team.workspace.slug, id, "suspend");
      assert.equal(s.status, 200);
      assert.equal((await s.json()).device.status, "suspended");
      const w = await whoami(d.token);
      assert.equal(w.status, 403);
      assert.equal((await w.json()).error.code, "device_forbidden");
      const batch = await ts.fetch(
        "/v1/requests/batch",
        bearerJson(d.token, "POST", { schema_version: 1, machine_id: d.machineId, rows: [] }),
      );
      assert.equal(batch.status, 403);
      assert.equal((await act(owner, team.workspace.id, id, "suspend")).status, 409);
      assert.equal((await act(owner, team.workspace.id, id, "reactivate")).status, 200);
      assert.equal((await whoami(d.token)).status, 200);
    });

    await t.step("revoke → 401 token_invalid for good; reactivate is refused", async () => {
      const d = await pairDevice(ts, { cookie: owner, workspaceId: team.workspace.id });
      const id = await deviceId(d.machineId);
      assert.equal((await act(owner, team.workspace.id, id, "revoke")).status, 200);
      const w = await whoami(d.token);
      assert.equal(w.status, 401);
      assert.equal((await w.json()).error.code, "token_invalid");
      assert.equal((await act(owner, team.workspace.id, id, "reactivate")).status, 409);
    });

    await t.step("wrong role: an editor cannot suspend or revoke (403 forbidden)", async () => {
      const d = await pairDevice(ts, { cookie: owner, workspaceId: team.workspace.id });
      const id = await deviceId(d.machineId);
      for (const a of ["suspend", "revoke"]) {
        const res = await act(editor, team.workspace.id, id, a);
        assert.equal(res.status, 403);
        assert.equal((await res.json()).error.code, "forbidden");
      }
      assert.equal((await whoami(d.token)).status, 200);
    });

    await t.step(
      "tier gate: suspend on a solo workspace → exact tier_locked body; revoke still works",
      async () => {
        const d = await pairDevice(ts, { cookie: soloCookie, workspaceId: solo.workspace.id });
        const id = await deviceId(d.machineId);
        const res = await act(soloCookie, solo.workspace.id, id, "suspend");
        assert.equal(res.status, 403);
        const body = await res.json();
        assert.deepEqual(body, {
          error: "tier_locked",
          feature: "devices.manage",
          min_tier: "team",
          current_tier: "solo",
        });
        TierLocked.parse(body);
        assert.equal((await act(soloCookie, solo.workspace.id, id, "revoke")).status, 200);
      },
    );

    await t.step("bad input: unknown action or device id → 404", async () => {
      const d = await pairDevice(ts, { cookie: owner, workspaceId: team.workspace.id });
      const id = await deviceId(d.machineId);
      assert.equal((await act(owner, team.workspace.id, id, "explode")).status, 404);
      assert.equal((await act(owner, team.workspace.id, "not-a-uuid", "suspend")).status, 404);
      assert.equal(
        (await act(owner, team.workspace.id, crypto.randomUUID(), "suspend")).status,
        404,
      );
    });

    await t.step("device list shows every device with its status and owner email", async () => {
      const res = await ts.fetch(`/v1/workspaces/${team.workspace.id}/devices`, {
        headers: { cookie: editor },
      });
      assert.equal(res.status, 200);
      const { devices } = await res.json();
      assert.ok(devices.length >= 5);
      assert.ok(devices.every((d: { user_email: string }) => d.user_email === "owner@dev.test"));
      assert.ok(devices.some((d: { status: string }) => d.status === "revoked"));
    });
  } finally {
    await ts.close();
  }
});
