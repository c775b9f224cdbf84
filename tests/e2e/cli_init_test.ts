/** @module End-to-end: `halton-meter init` creates the home, is idempotent, never overwrites. */
import assert from "node:assert/strict";
import { runCli, tempHome } from "./cli_helpers.ts";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

Deno.test("init creates the home, config, machine id and CA, and is idempotent", async (t) => {
  const home = await tempHome();
  try {
    const first = await runCli(home.dir, ["init"]);
    assert.equal(first.code, 0, first.stderr);
    const p = home.paths;

    await t.step("files exist with private modes", async () => {
      for (const f of [p.config, p.machine, p.caKey]) {
        const st = await Deno.stat(f);
        assert.equal(st.mode! & 0o777, 0o600, `${f} mode ${(st.mode! & 0o777).toString(8)}`);
      }
      for (const f of [p.caCert, p.caBundle]) assert.ok((await Deno.stat(f)).size > 0, f);
      assert.match(await Deno.readTextFile(p.caCert), /BEGIN CERTIFICATE/);
      assert.match(await Deno.readTextFile(p.caBundle), /BEGIN CERTIFICATE/);
    });

    await t.step("config.toml has the documented defaults", async () => {
      const cfg = await Deno.readTextFile(p.config);
      assert.match(cfg, /\[proxy\][^[]*bind = "127\.0\.0\.1"[^[]*port = 8090/s);
      assert.match(cfg, /\[cloud\][^[]*enabled = false/s);
    });

    const machine = JSON.parse(await Deno.readTextFile(p.machine));
    await t.step("machine.json has a UUID v4 and a creation time", () => {
      assert.match(machine.machine_id, UUID_V4);
      assert.ok(!Number.isNaN(Date.parse(machine.created_at)));
    });

    await t.step("output ends with how to trust the CA", () => {
      assert.match(first.stdout, /halton-meter trust/);
      assert.match(first.stdout, /halton-meter env/);
      assert.ok(first.stdout.includes(p.caCert));
    });

    await t.step("a re-run changes nothing", async () => {
      const edited = (await Deno.readTextFile(p.config)) + "\n# my edit\n";
      await Deno.writeTextFile(p.config, edited);
      const caBefore = await Deno.readTextFile(p.caCert);
      const keyBefore = await Deno.readTextFile(p.caKey);
      const again = await runCli(home.dir, ["init"]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /exists/);
      assert.equal(JSON.parse(await Deno.readTextFile(p.machine)).machine_id, machine.machine_id);
      assert.equal(await Deno.readTextFile(p.config), edited);
      assert.equal(await Deno.readTextFile(p.caCert), caBefore);
      assert.equal(await Deno.readTextFile(p.caKey), keyBefore);
    });
  } finally {
    await home.cleanup();
  }
});
