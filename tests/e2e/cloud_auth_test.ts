/**
 * @module End-to-end cloud auth failures with a real daemon and the real server: suspending the
 * device gives 403 → PAUSED paused_forbidden (exit 5), reactivating then `resume` gives ACTIVE;
 * revoking gives 401 → PAUSED paused_unauthorised and `resume` says the token is revoked (exit 4).
 */
import assert from "node:assert/strict";
import { startFakeProviders } from "../fakes/mod.ts";
import { initWithFreePorts, runCli, tempHome } from "./cli_helpers.ts";
import {
  asMember,
  capture,
  daemonCloudState,
  pairThroughCli,
  proxyEnv,
  startCloudServer,
  waitFor,
} from "./cloud_helpers.ts";

Deno.test("cloud: suspend → 403 → paused_forbidden → reactivate → resume; revoke → 401", async (t) => {
  const fakes = await startFakeProviders();
  const server = await startCloudServer();
  const home = await tempHome();
  const { paths } = home;
  const env = {
    ...fakes.env,
    HALTON_METER_CLOUD_URL: server.baseUrl,
    HALTON_METER_TEST_CLOUD_FAST: "1",
  };
  try {
    const acct = await server.ts.createAccount({
      email: "admin@acme.dev",
      workspace: "Acme",
      tier: "team",
    });
    const wsId = acct.workspace.id;
    const cookie = await server.ts.login("admin@acme.dev");
    const serverCount = async () =>
      Number(
        (await server.ts.db
          .sql`SELECT count(*)::int AS n FROM requests WHERE workspace_id = ${wsId}`)[0].n,
      );
    await initWithFreePorts(home.dir);
    const started = await runCli(home.dir, ["start"], env);
    assert.equal(started.code, 0, started.stderr);
    const penv = await proxyEnv(home.dir);
    const paired = await pairThroughCli(home.dir, paths, server, {
      cookie,
      workspaceId: wsId,
      env,
    });
    assert.equal(paired.code, 0, paired.stderr);
    await capture(penv, "web", 1);
    await waitFor("first row on the server", async () => (await serverCount()) === 1);
    const devices =
      await (await server.ts.fetch(`/v1/workspaces/${wsId}/devices`, asMember(cookie))).json();
    const deviceId = devices.devices[0].id;
    const act = async (action: string) => {
      const r = await server.ts.fetch(
        `/v1/workspaces/${wsId}/devices/${deviceId}/${action}`,
        asMember(cookie, "POST", {}),
      );
      assert.equal(r.status, 200, await r.text());
    };

    await t.step("suspend: 403 → PAUSED paused_forbidden; sync and resume exit 5", async () => {
      await act("suspend");
      await capture(penv, "web", 1);
      const s = await waitFor("paused_forbidden", async () => {
        const st = await daemonCloudState(paths);
        return st.paused_reason === "paused_forbidden" ? st : null;
      });
      assert.equal(s.state, "PAUSED");
      assert.equal(s.unsynced_rows, 1);
      const human = await runCli(home.dir, ["cloud", "status"], env);
      assert.match(human.stdout, /PAUSED \(paused_forbidden\)/);
      const sync = await runCli(home.dir, ["sync"], env);
      assert.equal(sync.code, 5, sync.stderr);
      const r = await runCli(home.dir, ["cloud", "resume"], env);
      assert.equal(r.code, 5, r.stderr);
      assert.match(r.stderr, /suspended or removed/);
      assert.equal(
        (await daemonCloudState(paths)).paused_reason,
        "paused_forbidden",
        "still paused",
      );
    });

    await t.step("reactivate, resume: ACTIVE, error cleared, backlog sent", async () => {
      await act("reactivate");
      const r = await runCli(home.dir, ["cloud", "resume"], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Resumed/);
      await waitFor("ACTIVE and drained", async () => {
        const st = await daemonCloudState(paths);
        return st.state === "ACTIVE" && st.unsynced_rows === 0 && st.last_error === null;
      });
      assert.equal(await serverCount(), 2);
    });

    await t.step(
      "revoke: 401 → PAUSED paused_unauthorised; resume says the token is revoked (exit 4)",
      async () => {
        await act("revoke");
        await capture(penv, "web", 1);
        const s = await waitFor("paused_unauthorised", async () => {
          const st = await daemonCloudState(paths);
          return st.paused_reason === "paused_unauthorised" ? st : null;
        });
        assert.equal(s.state, "PAUSED");
        assert.match(s.last_error ?? "", /401/);
        const r = await runCli(home.dir, ["cloud", "resume"], env);
        assert.equal(r.code, 4, r.stderr);
        assert.match(r.stderr, /revoked/);
        assert.match(r.stderr, /cloud connect/);
        const sync = await runCli(home.dir, ["sync"], env);
        assert.equal(sync.code, 4);
      },
    );

    await t.step("disconnect with a revoked token still wipes locally", async () => {
      const r = await runCli(home.dir, ["cloud", "disconnect"], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /already invalid/);
      await assert.rejects(Deno.stat(paths.cloudCredentials));
      const st = await runCli(home.dir, ["cloud", "status", "--json"], env);
      assert.equal(JSON.parse(st.stdout).state, "NOT-CONFIGURED");
    });
  } finally {
    await home.cleanup();
    await server.close();
    await fakes.close();
  }
});
