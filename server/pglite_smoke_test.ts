/**
 * @module Smoke run on embedded PGlite: no DATABASE_URL, a temp HALTON_SERVER_DATA. Bootstraps an
 * account with `server/admin.ts`, starts `server/main.ts` as a child on a free port, signs in,
 * pairs a device and ingests one batch.
 */
import assert from "node:assert/strict";
import { makeRow } from "./testing.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;
const ADMIN = new URL("./admin.ts", import.meta.url).pathname;
const FLAGS = ["--allow-net", "--allow-read", "--allow-write", "--allow-env", "--allow-sys"];

function envFor(dataDir: string): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.DATABASE_URL;
  return {
    ...env,
    HALTON_SERVER_DATA: dataDir,
    PORT: "0",
    HOST: "127.0.0.1",
    HALTON_ADMIN_PASSWORD: "pglite-pass-123",
  };
}

Deno.test("PGlite smoke: admin bootstrap, pair, ingest", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "hm_pglite_" });
  let child: Deno.ChildProcess | null = null;
  try {
    const admin = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...FLAGS,
        ADMIN,
        "create-user",
        "--email",
        "smoke@pglite.test",
        "--workspace",
        "Smoke",
      ],
      env: envFor(dataDir),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(admin.stdout);
    assert.equal(admin.code, 0, new TextDecoder().decode(admin.stderr));
    assert.match(out, /Created user smoke@pglite\.test as owner of workspace Smoke/);

    child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...FLAGS, MAIN],
      env: envFor(dataDir),
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let log = "";
    let port = 0;
    while (!port) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`Server exited before listening:\n${log}`);
      log += value;
      const m = /"msg":"Server listening"[^\n]*"port":(\d+)/.exec(log);
      if (m) port = Number(m[1]);
    }
    assert.match(log, /Using embedded PGlite/);
    // Keep draining stderr so the child never blocks on a full pipe.
    (async () => {
      try {
        while (!(await lines.read()).done) { /* drain */ }
      } catch { /* closed */ }
    })();
    const base = `http://127.0.0.1:${port}`;
    const json = (body: unknown, headers: Record<string, string> = {}) => ({
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

    const login = await fetch(
      `${base}/v1/auth/login`,
      json({ email: "smoke@pglite.test", password: "pglite-pass-123" }),
    );
    assert.equal(login.status, 200);
    const me = await login.json();
    const cookie = login.headers.getSetCookie()[0].split(";")[0];
    const start = await (await fetch(
      `${base}/v1/pairing/start`,
      json({ machine_id: "pg-m", hostname: "pg-h", daemon_version: "1" }),
    )).json();
    const appr = await fetch(
      `${base}/v1/pairing/approve`,
      json({ code: start.code, workspace_id: me.workspaces[0].id }, { cookie }),
    );
    assert.equal(appr.status, 200, await appr.clone().text());
    await appr.body?.cancel();
    const poll = await (await fetch(
      `${base}/v1/pairing/poll`,
      json({ pairing_id: start.pairing_id, poll_secret: start.poll_secret }),
    )).json();
    assert.equal(poll.status, "approved");
    const rows = [makeRow(), makeRow({ model: "unknown-model" })];
    const auth = { authorization: `Bearer ${poll.token}` };
    const batch = await fetch(
      `${base}/v1/requests/batch`,
      json({ schema_version: 1, machine_id: "pg-m", rows }, auth),
    );
    assert.equal(batch.status, 200);
    assert.deepEqual(await batch.json(), { accepted: 2, duplicates: 0, rejected: [], unpriced: 1 });
    const again = await (await fetch(
      `${base}/v1/requests/batch`,
      json({ schema_version: 1, machine_id: "pg-m", rows }, auth),
    )).json();
    assert.equal(again.duplicates, 2);
    const ov = await (await fetch(`${base}/v1/workspaces/smoke/overview`, { headers: { cookie } }))
      .json();
    assert.equal(ov.totals.requests, 2);
    assert.equal(ov.unpriced_count, 1);
    assert.equal(ov.totals.cost_usd_millicents, 750);
  } finally {
    if (child) {
      child.kill("SIGTERM");
      await child.status;
      await child.stderr.cancel().catch(() => {});
    }
    await Deno.remove(dataDir, { recursive: true });
  }
});
