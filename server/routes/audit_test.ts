/** @module Audit log and drift reads: contents, paging, roles, tier gates, bad queries. */
import assert from "node:assert/strict";
import { bearerJson, makeRow, ManualClock, pairDevice, startTestServer } from "../testing.ts";
import { AuditListResponse, DriftResponse } from "../../shared/schemas/mod.ts";

Deno.test("audit and reconciliation reads", async (t) => {
  const clock = new ManualClock(new Date("2026-05-03T12:00:00Z"));
  const ts = await startTestServer({ clock });
  try {
    const ent = await ts.createAccount({
      email: "o@audit.test",
      workspace: "Ent",
      tier: "enterprise",
    });
    await ts.createAccount({ email: "v@audit.test", workspace: "Ent", role: "viewer" });
    const team = await ts.createAccount({
      email: "t@audit.test",
      workspace: "Teamy",
      tier: "team",
    });
    const solo = await ts.createAccount({ email: "s@audit.test", workspace: "Soloy" });
    const owner = await ts.login("o@audit.test");
    const viewer = await ts.login("v@audit.test");
    const teamCookie = await ts.login("t@audit.test");
    const soloCookie = await ts.login("s@audit.test");
    const dev = await pairDevice(ts, {
      cookie: owner,
      workspaceId: ent.workspace.id,
      hostname: "rig",
    });
    await ts.fetch(
      "/v1/requests/batch",
      bearerJson(dev.token, "POST", {
        schema_version: 1,
        machine_id: dev.machineId,
        rows: [
          makeRow({ timestamp: "2026-05-01T10:00:00Z" }),
          makeRow({ timestamp: "2026-05-01T11:00:00Z" }),
          makeRow({ timestamp: "2026-05-02T11:00:00Z", model: "mystery" }),
        ],
      }),
    );
    await ts.fetch(
      "/v1/reconciliation/daemon-totals",
      bearerJson(dev.token, "POST", {
        days: [
          {
            date: "2026-05-01",
            provider: "openai",
            model: "gpt-4o",
            cost_usd_millicents: 1400,
            rows: 3,
          },
          {
            date: "2026-05-03",
            provider: "openai",
            model: "gpt-4o",
            cost_usd_millicents: 10,
            rows: 1,
          },
        ],
      }),
    );
    const get = async (cookie: string, path: string) => {
      const res = await ts.fetch(path, { headers: { cookie } });
      return [res.status, await res.json()] as const;
    };

    await t.step("drift: server vs daemon per device/day/provider/model with deltas", async () => {
      const [status, body] = await get(
        owner,
        `/v1/workspaces/${ent.workspace.id}/reconciliation?from=2026-05-01&to=2026-05-03`,
      );
      assert.equal(status, 200);
      const d = DriftResponse.parse(body);
      const view = d.rows.map((
        r,
      ) => [
        r.date,
        r.model,
        r.server_rows,
        r.daemon_rows,
        r.rows_delta,
        r.cost_delta_usd_millicents,
      ]);
      assert.deepEqual(view, [
        ["2026-05-01", "gpt-4o", 2, 3, -1, 1500 - 1400],
        ["2026-05-02", "mystery", 1, null, null, null],
        ["2026-05-03", "gpt-4o", 0, 1, -1, -10],
      ]);
      assert.equal(d.rows[1].server_unpriced_rows, 1);
      assert.ok(d.rows.every((r) => r.hostname === "rig"));
    });

    await t.step("drift default range is the last 7 days", async () => {
      const [, body] = await get(owner, `/v1/workspaces/${ent.workspace.slug}/reconciliation`);
      assert.equal(body.from, "2026-04-27");
      assert.equal(body.to, "2026-05-03");
      assert.equal(body.rows.length, 3);
    });

    await t.step("audit: newest first, paged, this workspace only", async () => {
      const [status, body] = await get(owner, `/v1/workspaces/${ent.workspace.id}/audit?limit=2`);
      assert.equal(status, 200);
      const page = AuditListResponse.parse(body);
      assert.equal(page.events.length, 2);
      assert.ok(page.events[0].id > page.events[1].id);
      assert.equal(page.events[0].action, "daemon_totals.upserted");
      assert.ok(page.next_before);
      const [, rest] = await get(
        owner,
        `/v1/workspaces/${ent.workspace.id}/audit?limit=500&before=${page.next_before}`,
      );
      const actions = [...page.events, ...rest.events].map((e: { action: string }) => e.action);
      assert.ok(actions.includes("requests.ingested"));
      assert.ok(actions.includes("pairing.approved"));
      assert.ok(rest.events.every((e: { id: number }) => e.id < page.next_before!));
      const [, other] = await get(teamCookie, `/v1/workspaces/${team.workspace.id}/reconciliation`);
      assert.deepEqual(other.rows, []);
    });

    const gates: [string, string, string, string][] = [
      ["audit on team", teamCookie, `/v1/workspaces/${team.workspace.id}/audit`, "audit.read"],
      [
        "reconciliation on solo",
        soloCookie,
        `/v1/workspaces/${solo.workspace.id}/reconciliation`,
        "reconciliation.read",
      ],
    ];
    for (const [name, cookie, path, feature] of gates) {
      await t.step(`tier gate: ${name}`, async () => {
        const [status, body] = await get(cookie, path);
        assert.equal(status, 403);
        assert.equal(body.error, "tier_locked");
        assert.equal(body.feature, feature);
      });
    }

    await t.step("wrong role: a viewer gets 403 on both", async () => {
      for (const p of ["audit", "reconciliation"]) {
        const [status, body] = await get(viewer, `/v1/workspaces/${ent.workspace.id}/${p}`);
        assert.equal(status, 403);
        assert.equal(body.error.code, "forbidden");
      }
    });

    const badQueries = [
      "audit?limit=0",
      "audit?before=-1",
      "reconciliation?from=2026-13-01",
      "reconciliation?from=2026-05-03&to=2026-05-01",
    ];
    for (const q of badQueries) {
      await t.step(`bad query ${q} → 422`, async () => {
        const [status, body] = await get(owner, `/v1/workspaces/${ent.workspace.id}/${q}`);
        assert.equal(status, 422);
        assert.equal(body.error.code, "validation_failed");
      });
    }

    await t.step("another workspace's member gets 404", async () => {
      assert.equal((await get(teamCookie, `/v1/workspaces/${ent.workspace.id}/audit`))[0], 404);
      assert.equal(
        (await get(teamCookie, `/v1/workspaces/${ent.workspace.id}/reconciliation`))[0],
        404,
      );
    });
  } finally {
    await ts.close();
  }
});
