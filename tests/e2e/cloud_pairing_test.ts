/**
 * @module End-to-end pairing edges with a real daemon and the real server: Ctrl-C cancels the
 * pairing on the backend, a re-run cancels the one in flight, connect refuses when already
 * paired, disconnect with the server down still wipes locally, re-pairing keeps the machine id,
 * and a placeholder base URL is healed on boot.
 */
import assert from "node:assert/strict";
import { cliArgv, initWithFreePorts, runCli, tempHome } from "./cli_helpers.ts";
import {
  asMember,
  daemonCloudState,
  pairThroughCli,
  startCloudServer,
  waitFor,
} from "./cloud_helpers.ts";
import { editConfigFile } from "../../daemon/cloud/config_edit.ts";
import { DEFAULT_CLOUD_URL } from "../../daemon/cloud/client.ts";

Deno.test("cloud pairing: Ctrl-C, re-run, refuse when paired, offline disconnect, re-pair", async (t) => {
  const server = await startCloudServer();
  const home = await tempHome();
  const { paths } = home;
  const env = { HALTON_METER_CLOUD_URL: server.baseUrl, HALTON_METER_TEST_CLOUD_FAST: "1" };
  const sql = server.ts.db.sql;
  const connectChild = () =>
    new Deno.Command(Deno.execPath(), {
      args: cliArgv(["cloud", "connect", "--no-browser", "--timeout-seconds", "60"]),
      env: { HALTON_METER_HOME: home.dir, NO_COLOR: "1", ...env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  const pendingCode = async (not?: string) =>
    await waitFor("a pending pairing", async () => {
      const s = await daemonCloudState(paths);
      return s.pairing?.status === "pending" && s.pairing.code !== not ? s.pairing.code : null;
    });
  const statusOf = async (code: string) =>
    (await sql`SELECT status FROM pairing_requests WHERE code = ${
      code.replace("-", "")
    } OR code = ${code}`)[0]?.status;
  try {
    const acct = await server.ts.createAccount({
      email: "o@acme.dev",
      workspace: "Acme",
      tier: "team",
    });
    const cookie = await server.ts.login("o@acme.dev");
    await initWithFreePorts(home.dir);
    await t.step("a placeholder base_url is healed to the default on boot", async () => {
      assert.ok(
        (await editConfigFile(paths.config, [{
          table: ["cloud"],
          key: "base_url",
          value: "https://halton.test",
        }])).ok,
      );
      const started = await runCli(home.dir, ["start"], env);
      assert.equal(started.code, 0, started.stderr);
      await waitFor(
        "healed",
        async () =>
          (await Deno.readTextFile(paths.config)).includes(`base_url = "${DEFAULT_CLOUD_URL}"`),
      );
      const log = await Deno.readTextFile(paths.log);
      assert.match(log, /placeholder domain; healed to the default/);
    });

    await t.step("Ctrl-C cancels the pairing on the backend", async () => {
      const child = connectChild();
      const code = await pendingCode();
      child.kill("SIGINT");
      const out = await child.output();
      assert.equal(out.code, 1);
      assert.match(new TextDecoder().decode(out.stderr), /pairing cancelled/);
      await waitFor("cancelled on the server", async () => (await statusOf(code)) === "cancelled");
    });

    await t.step("a re-run cancels the pairing in flight", async () => {
      const first = connectChild();
      const code1 = await pendingCode();
      const second = connectChild();
      const code2 = await pendingCode(code1);
      const out1 = await first.output();
      assert.equal(out1.code, 1);
      assert.match(new TextDecoder().decode(out1.stderr), /cancelled/);
      assert.equal(await statusOf(code1), "cancelled");
      second.kill("SIGINT");
      await second.output();
      assert.notEqual(code1, code2);
    });

    let machineId = "";
    await t.step("pair, then connect refuses while paired", async () => {
      const r = await pairThroughCli(home.dir, paths, server, {
        cookie,
        workspaceId: acct.workspace.id,
        env,
      });
      assert.equal(r.code, 0, r.stderr);
      machineId = JSON.parse(await Deno.readTextFile(paths.machine)).machine_id;
      const again = await runCli(home.dir, ["cloud", "connect", "--no-browser"], env);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /Already paired/);
    });

    await t.step("disconnect with the server down wipes locally and says so", async () => {
      await server.stop();
      const r = await runCli(home.dir, ["cloud", "disconnect"], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /could not be revoked/);
      await assert.rejects(Deno.stat(paths.cloudCredentials));
      await assert.rejects(Deno.stat(paths.cloudKey));
      await server.start();
    });

    await t.step("re-pairing keeps the machine id", async () => {
      await waitFor(
        "NOT-CONFIGURED",
        async () => (await daemonCloudState(paths)).state === "NOT-CONFIGURED",
      );
      const r = await pairThroughCli(home.dir, paths, server, {
        cookie,
        workspaceId: acct.workspace.id,
        env,
      });
      assert.equal(r.code, 0, r.stderr);
      const devs = await (await server.ts.fetch(
        `/v1/workspaces/${acct.workspace.id}/devices`,
        asMember(cookie),
      )).json();
      const ids = new Set(devs.devices.map((d: { machine_id: string }) => d.machine_id));
      assert.deepEqual([...ids], [machineId]);
    });
  } finally {
    await home.cleanup();
    await server.close();
  }
});
