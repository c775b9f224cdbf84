/**
 * @module End-to-end cloud sync: a real daemon (child process, temp home) whose upstreams are the
 * fake providers, the SERVER's real app on a real Postgres, and the official OpenAI SDK through
 * the proxy. Pairs with approval by a signed-in member, then checks: the server row has the
 * server's re-priced cost and only the preset's fields, a per-project opt-out, body opt-in with
 * the cap, pause and resume, a server outage during capture, `kill -9` mid-drain, and disconnect.
 * Every wait is on a state or a count, never on wall time.
 */
import assert from "node:assert/strict";
import { Store } from "../../daemon/store/store.ts";
import { getCloudState, outboxCount } from "../../daemon/store/cloud.ts";
import { fernetDecrypt } from "../../daemon/cloud/credentials.ts";
import { editConfigFile } from "../../daemon/cloud/config_edit.ts";
import { sampleRow } from "../../daemon/cloud/testing.ts";
import { readPid } from "../../daemon/process/runtime.ts";
import { costOf, defaultPriceTable } from "../../shared/pricing/mod.ts";
import { rowsToReprice } from "../../daemon/store/reprice.ts";
import { startFakeProviders } from "../fakes/mod.ts";
import { initWithFreePorts, killDaemon, runCli, tempHome } from "./cli_helpers.ts";
import {
  asMember,
  capture,
  daemonCloudState,
  pairThroughCli,
  proxyEnv,
  startCloudServer,
  waitFor,
} from "./cloud_helpers.ts";
import { CLOUD_SECRET_KEY } from "./cloud_client.ts";

const unix = Deno.build.os !== "windows";

Deno.test("cloud: pair, sync with privacy, bodies, pause, outage, kill -9, disconnect", async (t) => {
  const fakes = await startFakeProviders();
  const server = await startCloudServer();
  const home = await tempHome();
  const { paths } = home;
  const sql = server.ts.db.sql;
  const withStore = <T>(f: (s: Store) => T): T => {
    const s = Store.open(paths.db);
    try {
      return f(s);
    } finally {
      s.close();
    }
  };
  const env = {
    ...fakes.env,
    HALTON_METER_CLOUD_URL: server.baseUrl,
    HALTON_METER_TEST_CLOUD_FAST: "1",
  };
  try {
    const acct = await server.ts.createAccount({
      email: "owner@acme.dev",
      workspace: "Acme",
      tier: "team",
    });
    const wsId = acct.workspace.id;
    const cookie = await server.ts.login("owner@acme.dev");
    await initWithFreePorts(home.dir);
    const serverCount = async (where = "true") =>
      Number(
        (await sql.unsafe(
          `SELECT count(*)::int AS n FROM requests WHERE workspace_id = $1 AND ${where}`,
          [wsId],
        ))[0].n,
      );

    await t.step("without a daemon: connect exits 2, sync and whoami exit 3", async () => {
      const c = await runCli(home.dir, ["cloud", "connect", "--no-browser"], env);
      assert.equal(c.code, 2, c.stderr);
      for (const args of [["sync"], ["cloud", "whoami"]]) {
        const r = await runCli(home.dir, args, env);
        assert.equal(r.code, 3, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, /not paired/);
      }
      const s = await runCli(home.dir, ["cloud", "status", "--json"], env);
      assert.equal(s.code, 0, s.stderr);
      assert.equal(JSON.parse(s.stdout).state, "NOT-CONFIGURED");
    });

    const started = await runCli(home.dir, ["start"], env);
    assert.equal(started.code, 0, started.stderr);
    const penv = await proxyEnv(home.dir);
    const machineId = JSON.parse(await Deno.readTextFile(paths.machine)).machine_id;

    await t.step(
      "connect: code, approval by a signed-in member, files, config and state",
      async () => {
        const r = await pairThroughCli(home.dir, paths, server, { cookie, workspaceId: wsId, env });
        assert.equal(r.code, 0, r.stderr + r.stdout);
        assert.match(r.stdout, new RegExp(`Code:\\s+${r.pairCode}`));
        assert.match(r.stdout, /Approve:\s+http:\/\/127\.0\.0\.1:\d+\/connect\?code=/);
        assert.match(r.stdout, /Connected to workspace "Acme"/);
        const creds = JSON.parse(await Deno.readTextFile(paths.cloudCredentials));
        assert.match(creds.token, /^hm_sync_/);
        if (unix) {
          assert.equal((await Deno.stat(paths.cloudCredentials)).mode! & 0o777, 0o600);
          assert.equal((await Deno.stat(paths.cloudKey)).mode! & 0o777, 0o600);
        }
        const cfg = await Deno.readTextFile(paths.config);
        assert.match(cfg, /\[cloud\][^[]*enabled = true/s);
        assert.ok(cfg.includes(`base_url = "${server.baseUrl}"`));
        assert.ok(cfg.includes(`workspace_id = "${wsId}"`));
        assert.ok(cfg.includes("# Sync a privacy-redacted copy of your rows"), "comments kept");
        const st = withStore((s) => getCloudState(s))!;
        assert.ok(!st.api_key_ciphertext.includes(creds.token));
        const key = (await Deno.readTextFile(paths.cloudKey)).trim();
        assert.deepEqual(fernetDecrypt(key, st.api_key_ciphertext), {
          ok: true,
          value: creds.token,
        });
        assert.equal(st.workspace_name, "Acme");
        assert.equal(st.machine_id, machineId);
        assert.equal(st.hostname, Deno.hostname());
        const who = await runCli(home.dir, ["cloud", "whoami", "--json"], env);
        assert.equal(who.code, 0, who.stderr);
        assert.equal(JSON.parse(who.stdout).machine_id, machineId);
        const s = await waitFor(
          "ACTIVE",
          async () => (await daemonCloudState(paths)).state === "ACTIVE",
        );
        assert.ok(s);
      },
    );

    await t.step("privacy settings through the CLI", async () => {
      for (
        const args of [
          ["upload", "false", "--project", "secret-proj"],
          ["bodies.enabled", "true"],
          ["bodies.upload", "false", "--project", "nobody-proj"],
        ]
      ) {
        const r = await runCli(home.dir, ["cloud", "privacy", "set", ...args], env);
        assert.equal(r.code, 0, r.stderr);
      }
      const bad = await runCli(
        home.dir,
        ["cloud", "privacy", "set", "field.request_id", "false"],
        env,
      );
      assert.equal(bad.code, 1);
      const r = await editConfigFile(paths.config, [
        { table: ["cloud", "bodies"], key: "sync_interval_seconds", value: 1 },
        { table: ["cloud", "bodies"], key: "max_body_bytes_per_upload", value: 4096 },
      ]);
      assert.ok(r.ok);
      const show = await runCli(home.dir, ["cloud", "privacy", "show", "--json"], env);
      const p = JSON.parse(show.stdout);
      assert.equal(p.preset, "standard");
      assert.equal(p.projects["secret-proj"].upload, false);
      assert.equal(p.bodies.enabled, true);
    });

    await t.step(
      "capture, sync: re-priced cost on the server and only the preset's fields",
      async () => {
        await capture(penv, "billing", 3);
        await capture(penv, "secret-proj", 2);
        await capture(penv, "nobody-proj", 1);
        await capture(penv, "big-proj", 1, 6000);
        await waitFor("7 local rows", () => withStore((s) => s.countSince("") === 7));
        await waitFor("outbox drained", () => withStore((s) => outboxCount(s) === 0));
        await waitFor("5 rows on the server", async () => (await serverCount()) === 5);
        assert.equal(
          await serverCount("project_id = 'secret-proj'"),
          0,
          "opted-out project never uploaded",
        );
        const local = withStore((s) => s.listRequests({ limit: 100 }));
        const usages = new Map(
          withStore((s) => rowsToReprice(s, null)).map((r) => [r.request_id, r.usage]),
        );
        const rows = await sql.unsafe(`SELECT * FROM requests WHERE workspace_id = $1`, [wsId]);
        for (const row of rows) {
          const l = local.find((x) => x.request_id === row.request_id)!;
          assert.ok(l, "server row exists locally");
          const expected = costOf(
            usages.get(l.request_id)!,
            defaultPriceTable(),
            new Date(l.timestamp),
          );
          assert.ok(expected.priced, "the fake's model is priced");
          assert.equal(
            Number(row.cost_usd_millicents),
            expected.cost_usd_millicents,
            "server re-priced cost",
          );
          assert.equal(
            Number(row.daemon_cost_usd_millicents),
            l.cost_usd_millicents,
            "daemon cost kept for drift",
          );
          assert.equal(row.project_id, l.project_id);
          assert.equal(row.hostname, l.hostname);
          assert.equal(row.attribution_method, l.attribution_method);
          assert.equal(
            row.prompt_tokens === null ? null : Number(row.prompt_tokens),
            l.prompt_tokens,
          );
          for (const f of ["latency_ms", "ttfb_ms", "user_agent", "source_workdir"]) {
            assert.equal(row[f], null, `${f} is not in the standard preset`);
          }
        }
        const dump = JSON.stringify(await sql.unsafe(`SELECT * FROM requests`)) +
          JSON.stringify(await sql.unsafe(`SELECT * FROM request_bodies`));
        assert.ok(!dump.includes(CLOUD_SECRET_KEY), "the API key never reaches the server");
      },
    );

    await t.step("`sync` with the daemon running drains through it", async () => {
      await capture(penv, "billing", 1);
      await waitFor("8 local rows", () => withStore((s) => s.countSince("") === 8));
      const r = await runCli(home.dir, ["sync"], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /POST \/v1\/requests\/batch/);
      // When `sync` returns the outbox is drained (by it or by the worker it serialises with).
      assert.equal(withStore((s) => outboxCount(s)), 0);
      assert.equal(await serverCount(), 6);
    });

    await t.step("bodies: opt-in, cap, per-project opt-outs", async () => {
      const bodies = async () =>
        await sql.unsafe(
          `SELECT b.direction, r.project_id, b.bytes FROM request_bodies b JOIN requests r USING (workspace_id, request_id) WHERE b.workspace_id = $1`,
          [wsId],
        );
      // billing: 4 × (request + response); big-proj: response only (its request body is over the cap).
      await waitFor("9 bodies on the server", async () => (await bodies()).length === 9);
      const got = await bodies();
      assert.equal(got.filter((b) => b.project_id === "billing").length, 8);
      assert.deepEqual(got.filter((b) => b.project_id === "big-proj").map((b) => b.direction), [
        "response",
      ]);
      assert.equal(got.filter((b) => b.project_id === "nobody-proj").length, 0);
      const marks = withStore((s) =>
        s.db.prepare("SELECT status, count(*) AS n FROM cloud_body_marks GROUP BY status").all()
      ) as { status: string; n: number }[];
      assert.equal(marks.find((m) => m.status === "skipped_cap")?.n, 1);
      assert.equal(marks.find((m) => m.status === "skipped_project")?.n, 2);
    });

    await t.step("pause and resume", async () => {
      const p = await runCli(home.dir, ["cloud", "pause"], env);
      assert.equal(p.code, 0, p.stderr);
      await waitFor("PAUSED", async () => (await daemonCloudState(paths)).state === "PAUSED");
      const before = await serverCount();
      await capture(penv, "billing", 2);
      await waitFor(
        "2 rows waiting",
        async () => (await daemonCloudState(paths)).unsynced_rows === 2,
      );
      const st = JSON.parse((await runCli(home.dir, ["cloud", "status", "--json"], env)).stdout);
      assert.equal(st.state, "PAUSED");
      assert.equal(st.paused_reason, "paused_manual");
      const s = await runCli(home.dir, ["sync"], env);
      assert.equal(s.code, 1);
      assert.match(s.stderr, /paused/);
      assert.equal(await serverCount(), before, "nothing sent while paused");
      const r = await runCli(home.dir, ["cloud", "resume"], env);
      assert.equal(r.code, 0, r.stderr);
      await waitFor("rows sent after resume", async () => (await serverCount()) === before + 2);
      assert.equal((await daemonCloudState(paths)).state, "ACTIVE");
    });

    await t.step(
      "server down during steady capture, then back: counts equal, no duplicates",
      async () => {
        await server.stop();
        await capture(penv, "billing", 3);
        const degraded = await waitFor("DEGRADED", async () => {
          const s = await daemonCloudState(paths);
          return s.state === "DEGRADED" ? s : null;
        });
        assert.match(degraded.last_error ?? "", /cannot reach the cloud/);
        assert.ok(degraded.unsynced_rows >= 3);
        await capture(penv, "billing", 2);
        await server.start();
        await waitFor("ACTIVE and drained", async () => {
          const s = await daemonCloudState(paths);
          return s.state === "ACTIVE" && s.unsynced_rows === 0;
        });
        const localUploadable = withStore((s) =>
          s.listRequests({ limit: 10_000 }).filter((r) => r.project_id !== "secret-proj").length
        );
        assert.equal(await serverCount(), localUploadable);
        const distinct = await sql.unsafe(
          `SELECT count(DISTINCT request_id)::int AS n FROM requests WHERE workspace_id = $1`,
          [wsId],
        );
        assert.equal(distinct[0].n, localUploadable);
      },
    );

    await t.step("kill -9 while draining a backlog, then restart: counts equal", async () => {
      const rows = Array.from(
        { length: 20_000 },
        () => sampleRow({ timestamp: new Date().toISOString() }),
      );
      const before = await serverCount();
      withStore((s) => s.insertBatch(rows));
      await waitFor("the drain under way", async () => (await serverCount()) > before, 60_000);
      const pid = readPid(paths)!;
      Deno.kill(pid, "SIGKILL");
      await killDaemon(paths); // waits until it is gone
      const mid = await serverCount();
      const sync = await runCli(home.dir, ["sync"], env); // the daemon is down: drains in-process
      assert.equal(sync.code, 0, sync.stderr);
      if (mid < before + rows.length) {
        assert.match(sync.stdout, /POST \/v1\/requests\/batch → 200 OK \(\d+ rows accepted\)/);
      }
      const again = await runCli(home.dir, ["start"], env);
      assert.equal(again.code, 0, again.stderr);
      await waitFor("drained", () => withStore((s) => outboxCount(s) === 0));
      const localUploadable = withStore((s) =>
        s.listRequests({ limit: 100_000 }).filter((r) => r.project_id !== "secret-proj").length
      );
      assert.equal(await serverCount(), localUploadable);
    });

    await t.step("reconcile pushes daemon totals", async () => {
      const r = await runCli(home.dir, ["cloud", "reconcile", "--days", "1"], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /POST \/v1\/reconciliation\/daemon-totals → 200 OK/);
      const totals = await sql.unsafe(`SELECT sum(rows)::int AS n FROM daemon_totals`);
      assert.ok(totals[0].n > 0);
      const st = JSON.parse((await runCli(home.dir, ["cloud", "status", "--json"], env)).stdout);
      assert.ok(st.last_reconcile_at);
    });

    await t.step("disconnect: token revoked, files gone, config off, state cleared", async () => {
      const token = JSON.parse(await Deno.readTextFile(paths.cloudCredentials)).token;
      const r = await runCli(home.dir, ["cloud", "disconnect"], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /revoked/);
      await assert.rejects(Deno.stat(paths.cloudCredentials));
      await assert.rejects(Deno.stat(paths.cloudKey));
      assert.match(await Deno.readTextFile(paths.config), /\[cloud\][^[]*enabled = false/s);
      assert.equal(withStore((s) => getCloudState(s)), null);
      const who = await fetch(`${server.baseUrl}/v1/daemon/whoami`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(who.status, 401);
      await who.body?.cancel();
      await waitFor(
        "NOT-CONFIGURED",
        async () => (await daemonCloudState(paths)).state === "NOT-CONFIGURED",
      );
      const devs = await (await server.ts.fetch(`/v1/workspaces/${wsId}/devices`, asMember(cookie)))
        .json();
      assert.equal(devs.devices[0].machine_id, machineId);
    });
  } finally {
    await home.cleanup();
    await server.close();
    await fakes.close();
  }
});
