/** @module The local server: loopback Host check, /api/health and /api/status on a real store. */
import assert from "node:assert/strict";
import { parseConfig } from "../config.ts";
import { homePaths } from "../home.ts";
import { nullLogger } from "../log.ts";
import { Store } from "../store/store.ts";
import { coreRoutes, type DaemonStatus } from "./core_routes.ts";
import { createLocalApp } from "./server.ts";

Deno.test("local api", async (t) => {
  const dir = await Deno.makeTempDir();
  const store = Store.open(`${dir}/db.sqlite`);
  const cfg = parseConfig("");
  assert.ok(cfg.ok);
  const app = createLocalApp({
    store,
    config: cfg.value,
    paths: homePaths(dir),
    logger: nullLogger,
    startedAt: new Date(Date.now() - 65_000),
    proxyAddr: { hostname: "127.0.0.1", port: 8090 },
  }, [coreRoutes(() => ({ hostname: "127.0.0.1", port: 3000 }))]);
  try {
    const hosts: [string, number][] = [
      ["127.0.0.1:3000", 200],
      ["localhost:3000", 200],
      ["[::1]:3000", 200],
      ["evil.example:3000", 403],
      ["127.0.0.1.evil.example", 403],
    ];
    for (const [host, status] of hosts) {
      await t.step(`Host ${host} → ${status}`, async () => {
        const res = await app.request("/api/health", { headers: { host } });
        assert.equal(res.status, status);
        await res.body?.cancel();
      });
    }
    await t.step("/api/status", async () => {
      const res = await app.request("/api/status", { headers: { host: "127.0.0.1:3000" } });
      const st = await res.json() as DaemonStatus;
      assert.equal(st.running, true);
      assert.equal(st.pid, Deno.pid);
      assert.ok(st.uptime_seconds >= 65);
      assert.equal(st.proxy.url, "http://127.0.0.1:8090");
      assert.equal(st.dashboard?.url, "http://127.0.0.1:3000");
      assert.equal(st.rows_today, 0);
      assert.equal(st.cloud.state, "NOT-CONFIGURED");
    });
    await t.step("unknown routes are JSON 404s", async () => {
      const res = await app.request("/api/nope", { headers: { host: "127.0.0.1:3000" } });
      assert.equal(res.status, 404);
      assert.equal((await res.json()).error.code, "not_found");
    });
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
