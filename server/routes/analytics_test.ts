/** @module Read API: overview totals and every group_by, members, workspaces; roles and tier gates. */
import assert from "node:assert/strict";
import { bearerJson, makeRow, ManualClock, pairDevice, startTestServer } from "../testing.ts";
import { OverviewResponse } from "../../shared/schemas/mod.ts";

Deno.test("read API", async (t) => {
  const clock = new ManualClock(new Date("2026-04-10T12:00:00Z"));
  const ts = await startTestServer({ clock });
  try {
    const team = await ts.createAccount({
      email: "o@read.test",
      workspace: "Readers",
      tier: "team",
    });
    await ts.createAccount({ email: "admin@read.test", workspace: "Readers", role: "admin" });
    await ts.createAccount({ email: "viewer@read.test", workspace: "Readers", role: "viewer" });
    const solo = await ts.createAccount({ email: "solo@read.test", workspace: "Lone" });
    const owner = await ts.login("o@read.test");
    const admin = await ts.login("admin@read.test");
    const viewer = await ts.login("viewer@read.test");
    const soloCookie = await ts.login("solo@read.test");
    const d1 = await pairDevice(ts, {
      cookie: owner,
      workspaceId: team.workspace.id,
      hostname: "alpha",
    });
    const d2 = await pairDevice(ts, {
      cookie: admin,
      workspaceId: team.workspace.id,
      hostname: "beta",
    });
    const send = (d: { token: string; machineId: string }, rows: unknown[]) =>
      ts.fetch(
        "/v1/requests/batch",
        bearerJson(d.token, "POST", { schema_version: 1, machine_id: d.machineId, rows }),
      );
    await send(d1, [
      makeRow({ timestamp: "2026-04-08T10:00:00Z", project_id: "web" }),
      makeRow({ timestamp: "2026-04-09T10:00:00Z", project_id: "web" }),
      makeRow({ timestamp: "2026-04-09T11:00:00Z", project_id: "api", model: "mystery-model" }),
    ]);
    await send(d2, [
      makeRow({
        timestamp: "2026-04-09T12:00:00Z",
        project_id: "api",
        provider: "anthropic",
        model: "claude-sonnet-4-5",
        prompt_tokens: 1000,
        completion_tokens: 1000,
      }),
      makeRow({ timestamp: "2026-03-01T00:00:00Z", project_id: "old" }),
    ]);
    const overview = async (cookie: string, q: string, ws = team.workspace.slug) => {
      const res = await ts.fetch(`/v1/workspaces/${ws}/overview?${q}`, { headers: { cookie } });
      return [res.status, await res.json()] as const;
    };

    await t.step(
      "totals: 4 rows in range, 1 unpriced, unpriced excluded from the cost sum",
      async () => {
        const [status, body] = await overview(viewer, "from=2026-04-01&to=2026-04-10");
        assert.equal(status, 200);
        const o = OverviewResponse.parse(body);
        assert.equal(o.totals.requests, 4);
        assert.equal(o.unpriced_count, 1);
        assert.equal(o.totals.priced_requests, 3);
        const [sum] = await ts.db.sql`SELECT sum(cost_usd_millicents)::int8 AS s FROM requests
        WHERE NOT unpriced AND ts >= '2026-04-01' AND ts < '2026-04-11'`;
        assert.equal(o.totals.cost_usd_millicents, sum.s);
        assert.equal(o.groups.length, 0);
      },
    );

    const groupCases: [string, string[]][] = [
      ["project", ["api", "web"]],
      ["model", ["claude-sonnet-4-5", "gpt-4o", "mystery-model"]],
      ["provider", ["anthropic", "openai"]],
      ["day", ["2026-04-08", "2026-04-09"]],
      ["device", ["alpha", "beta"]],
      ["member", ["admin@read.test", "o@read.test"]],
    ];
    for (const [by, labels] of groupCases) {
      await t.step(`group_by=${by}`, async () => {
        const [status, body] = await overview(
          owner,
          `from=2026-04-01&to=2026-04-10&group_by=${by}`,
        );
        assert.equal(status, 200);
        const o = OverviewResponse.parse(body);
        assert.deepEqual(o.groups.map((g) => g.label).sort(), labels);
        assert.equal(o.groups.reduce((a, g) => a + g.requests, 0), 4);
        assert.equal(o.groups.reduce((a, g) => a + g.unpriced_requests, 0), 1);
      });
    }

    await t.step("default range is the last 30 days", async () => {
      const [, body] = await overview(owner, "");
      assert.equal(body.totals.requests, 4);
    });

    const badQueries = ["group_by=color", "from=yesterday", "from=2026-04-10&to=2026-04-01"];
    for (const q of badQueries) {
      await t.step(`bad query ${q} → 422`, async () => {
        const [status, body] = await overview(owner, q);
        assert.equal(status, 422);
        assert.equal(body.error.code, "validation_failed");
      });
    }

    await t.step("tier gate: group_by=member on solo → exact tier_locked", async () => {
      const [status, body] = await overview(soloCookie, "group_by=member", solo.workspace.id);
      assert.equal(status, 403);
      assert.deepEqual(body, {
        error: "tier_locked",
        feature: "overview.group_by_member",
        min_tier: "team",
        current_tier: "solo",
      });
      assert.equal((await overview(soloCookie, "group_by=device", solo.workspace.id))[0], 200);
    });

    await t.step("unauthenticated → 401", async () => {
      const res = await ts.fetch(`/v1/workspaces/${team.workspace.id}/overview`);
      assert.equal(res.status, 401);
      assert.equal((await res.json()).error.code, "unauthenticated");
    });

    await t.step("members: list for any member; add needs owner/admin and tier team", async () => {
      const list = await ts.fetch(`/v1/workspaces/${team.workspace.id}/members`, {
        headers: { cookie: viewer },
      });
      assert.equal(list.status, 200);
      assert.deepEqual((await list.json()).members.map((m: { email: string }) => m.email).sort(), [
        "admin@read.test",
        "o@read.test",
        "viewer@read.test",
      ]);
      const add = (cookie: string, ws: string, body: unknown) =>
        ts.fetch(`/v1/workspaces/${ws}/members`, {
          method: "POST",
          headers: { cookie, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      assert.equal(
        (await add(viewer, team.workspace.id, { email: "solo@read.test", role: "viewer" })).status,
        403,
      );
      assert.equal(
        (await add(admin, team.workspace.id, { email: "solo@read.test", role: "owner" })).status,
        403,
      );
      assert.equal(
        (await add(admin, team.workspace.id, { email: "nobody@read.test", role: "viewer" })).status,
        404,
      );
      assert.equal(
        (await add(admin, team.workspace.id, { email: "not-an-email", role: "viewer" })).status,
        422,
      );
      const ok = await add(admin, team.workspace.id, { email: "solo@read.test", role: "viewer" });
      assert.equal(ok.status, 201);
      const locked = await add(soloCookie, solo.workspace.id, {
        email: "o@read.test",
        role: "viewer",
      });
      assert.equal(locked.status, 403);
      assert.equal((await locked.json()).error, "tier_locked");
    });

    await t.step(
      "overview page /w/{ws}: member sees totals and groups; others get 404; anonymous → sign-in",
      async () => {
        const res = await ts.fetch(`/w/${team.workspace.slug}?group_by=model`, {
          headers: { cookie: viewer },
        });
        assert.equal(res.status, 200);
        const html = await res.text();
        assert.match(html, /over 4 requests \(1 unpriced, not in the sum\)/);
        assert.match(html, /mystery-model/);
        assert.match(html, /claude-sonnet-4-5/);
        await ts.createAccount({ email: "out@read.test", workspace: "Outside" });
        const outsider = await ts.login("out@read.test");
        const other = await ts.fetch(`/w/${team.workspace.slug}`, {
          headers: { cookie: outsider },
        });
        assert.equal(other.status, 404);
        const anon = await ts.fetch(`/w/${team.workspace.slug}`, { redirect: "manual" });
        assert.equal(anon.status, 302);
      },
    );

    await t.step("workspaces: list mine, create one (409 on a taken slug)", async () => {
      const mine = await (await ts.fetch("/v1/workspaces", { headers: { cookie: soloCookie } }))
        .json();
      assert.deepEqual(
        mine.workspaces.map((w: { slug: string; role: string }) => `${w.slug}:${w.role}`).sort(),
        ["lone:owner", "readers:viewer"],
      );
      const create = (slug: string) =>
        ts.fetch("/v1/workspaces", {
          method: "POST",
          headers: { cookie: soloCookie, "content-type": "application/json" },
          body: JSON.stringify({ name: "New One", slug }),
        });
      const r = await create("new-one");
      assert.equal(r.status, 201);
      assert.deepEqual({ ...(await r.json()), id: "-" }, {
        id: "-",
        slug: "new-one",
        name: "New One",
        tier: "solo",
        role: "owner",
      });
      assert.equal((await create("new-one")).status, 409);
      assert.equal((await create("Bad Slug!")).status, 422);
    });
  } finally {
    await ts.close();
  }
});
