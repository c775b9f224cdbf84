/** @module Server configuration from the environment. */
import assert from "node:assert/strict";
import { ENV_VARS, loadServerConfig } from "./env.ts";

Deno.test("loadServerConfig", async (t) => {
  await t.step("defaults", () => {
    const r = loadServerConfig({});
    assert.ok(r.ok);
    assert.equal(r.value.port, 8787);
    assert.equal(r.value.databaseUrl, null);
    assert.equal(r.value.dataDir, "./.data");
    assert.equal(r.value.pairingDashboardUrl, null);
    assert.ok(Object.isFrozen(r.value));
  });
  await t.step("values", () => {
    const r = loadServerConfig({
      PORT: "9000",
      DATABASE_URL: "postgres://u:p@db:5432/x",
      PAIRING_DASHBOARD_URL: "https://meter.example.com/",
      HALTON_TRUST_PROXY: "1",
    });
    assert.ok(r.ok);
    assert.equal(r.value.port, 9000);
    assert.equal(r.value.pairingDashboardUrl, "https://meter.example.com");
    assert.equal(r.value.trustProxy, true);
  });
  await t.step("every problem is listed in one line", () => {
    const r = loadServerConfig({
      PORT: "99999",
      DATABASE_URL: "mysql://x",
      PAIRING_DASHBOARD_URL: "nope",
    });
    assert.ok(!r.ok);
    assert.match(r.error, /^Cannot start the server: /);
    for (const k of ["PORT", "DATABASE_URL", "PAIRING_DASHBOARD_URL"]) {
      assert.match(r.error, new RegExp(k));
    }
  });
  await t.step("every variable is documented in the README", async () => {
    const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
    const section =
      readme.split("<!-- section:server -->")[1]?.split("<!-- /section:server -->")[0] ?? "";
    for (const k of [...ENV_VARS, "TEST_DATABASE_URL", "HALTON_ADMIN_PASSWORD"]) {
      assert.match(section, new RegExp(`\`${k}\``), k);
    }
  });
});
