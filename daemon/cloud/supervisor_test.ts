/** @module Base URL resolution and healing of placeholder domains. */
import assert from "node:assert/strict";
import { DEFAULT_CONFIG_TOML, loadConfig } from "../config.ts";
import { homePaths } from "../home.ts";
import { createLogger } from "../log.ts";
import { Store } from "../store/store.ts";
import { getCloudState, outboxCount, savePairing } from "../store/cloud.ts";
import { completePairing } from "./pairing.ts";
import { DEFAULT_CLOUD_URL } from "./client.ts";
import { editToml } from "./config_edit.ts";
import { healBaseUrl, isPlaceholderUrl, resolveBaseUrl, startCloud } from "./supervisor.ts";
import { cloudConfig, sampleRow } from "./testing.ts";

Deno.test("placeholder domains", async (t) => {
  const cases: [string, boolean][] = [
    ["https://cloud.example", true],
    ["https://halton.test/", true],
    ["http://x.invalid:8080", true],
    ["http://box.local", true],
    ["https://cloud.halton-meter.dev", false],
    ["http://127.0.0.1:8787", false],
    ["https://example.com", false],
    ["https://latest.dev", false],
  ];
  for (const [u, want] of cases) await t.step(u, () => assert.equal(isPlaceholderUrl(u), want));
});

Deno.test("base URL precedence: flag > HALTON_METER_CLOUD_URL > config > default", async (t) => {
  const env = (v?: string) => ({
    get: (k: string) => (k === "HALTON_METER_CLOUD_URL" ? v : undefined),
  });
  const cfg = cloudConfig({ base_url: "https://from-config.dev" }).cloud;
  await t.step(
    "flag",
    () => assert.equal(resolveBaseUrl("http://flag/", cfg, env("http://env")), "http://flag"),
  );
  await t.step(
    "env",
    () => assert.equal(resolveBaseUrl(undefined, cfg, env("http://env")), "http://env"),
  );
  await t.step(
    "config",
    () => assert.equal(resolveBaseUrl(undefined, cfg, env()), "https://from-config.dev"),
  );
  await t.step(
    "default",
    () => assert.equal(resolveBaseUrl(undefined, cloudConfig().cloud, env()), DEFAULT_CLOUD_URL),
  );
});

Deno.test("a placeholder base_url is healed on boot, with a log line", async () => {
  const dir = await Deno.makeTempDir();
  const paths = homePaths(dir);
  const store = Store.open(paths.db);
  try {
    const text = editToml(DEFAULT_CONFIG_TOML, [{
      table: ["cloud"],
      key: "base_url",
      value: "https://cloud.example",
    }]);
    assert.ok(text.ok);
    await Deno.writeTextFile(paths.config, text.value);
    savePairing(store, {
      api_key_ciphertext: "c",
      base_url: "https://halton.test",
      workspace_id: "w",
      workspace_slug: null,
      workspace_name: null,
      workspace_tier: null,
      machine_id: "m",
      hostname: "h",
    });
    const logs: string[] = [];
    const cfg = loadConfig(paths.config);
    assert.ok(cfg.ok);
    await healBaseUrl(paths, store, cfg.value.cloud, createLogger({ write: (l) => logs.push(l) }));
    const after = loadConfig(paths.config);
    assert.ok(after.ok);
    assert.equal(after.value.cloud.base_url, DEFAULT_CLOUD_URL);
    assert.equal(getCloudState(store)!.base_url, DEFAULT_CLOUD_URL);
    assert.equal(logs.filter((l) => l.includes("healed")).length, 2);
    assert.ok((await Deno.readTextFile(paths.config)).includes("# Sync a privacy-redacted copy"));
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the supervisor's worker thread drains to a live endpoint and reports its state", async (t) => {
  const dir = await Deno.makeTempDir();
  const paths = homePaths(dir);
  let received = 0;
  let auth = "";
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    auth = req.headers.get("authorization") ?? "";
    const body = await req.json();
    received += body.rows.length;
    return Response.json({ accepted: body.rows.length, duplicates: 0, rejected: [] });
  });
  const store = Store.open(paths.db);
  await Deno.writeTextFile(paths.config, DEFAULT_CONFIG_TOML);
  const cfg = loadConfig(paths.config);
  assert.ok(cfg.ok);
  await completePairing(paths, store, {
    token: "hm_sync_thread_test",
    workspace: { id: crypto.randomUUID(), slug: "acme", name: "Acme", tier: "team" },
    base_url: `http://127.0.0.1:${server.addr.port}`,
    machine_id: "m-1",
    hostname: "h",
  });
  store.insertBatch(Array.from({ length: 1200 }, () => sampleRow()));
  const cloud = await startCloud({
    paths,
    config: cfg.value,
    logger: createLogger({ write: () => {} }),
    tickMs: 200,
  });
  try {
    await t.step("drains every row in its thread", async () => {
      for (let i = 0; i < 600 && outboxCount(store) > 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(outboxCount(store), 0);
      assert.equal(received, 1200);
      assert.equal(auth, "Bearer hm_sync_thread_test");
    });
    await t.step("status carries the live state", async () => {
      for (let i = 0; i < 100 && cloud.status().state !== "ACTIVE"; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const s = cloud.status();
      assert.equal(s.state, "ACTIVE");
      assert.equal(s.daemon_running, true);
      assert.equal(s.unsynced_rows, 0);
      assert.ok(s.last_sync_at);
    });
    await t.step("syncNow through the thread", async () => {
      store.insertBatch([sampleRow()]);
      const r = await cloud.syncNow();
      assert.ok(r.batches.length > 0);
      assert.equal(received, 1201, "sent once, by the loop or by syncNow");
      assert.equal(outboxCount(store), 0);
    });
  } finally {
    await cloud.close();
    store.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
