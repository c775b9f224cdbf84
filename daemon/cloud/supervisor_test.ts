/** @module Base URL resolution and healing of placeholder domains. */
import assert from "node:assert/strict";
import { DEFAULT_CONFIG_TOML, loadConfig } from "../config.ts";
import { homePaths } from "../home.ts";
import { createLogger } from "../log.ts";
import { Store } from "../store/store.ts";
import { getCloudState, savePairing } from "../store/cloud.ts";
import { DEFAULT_CLOUD_URL } from "./client.ts";
import { editToml } from "./config_edit.ts";
import { healBaseUrl, isPlaceholderUrl, resolveBaseUrl } from "./supervisor.ts";
import { cloudConfig } from "./testing.ts";

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
  const env = (v?: string) => ({ get: (k: string) => (k === "HALTON_METER_CLOUD_URL" ? v : undefined) });
  const cfg = cloudConfig({ base_url: "https://from-config.dev" }).cloud;
  await t.step("flag", () => assert.equal(resolveBaseUrl("http://flag/", cfg, env("http://env")), "http://flag"));
  await t.step("env", () => assert.equal(resolveBaseUrl(undefined, cfg, env("http://env")), "http://env"));
  await t.step("config", () => assert.equal(resolveBaseUrl(undefined, cfg, env()), "https://from-config.dev"));
  await t.step("default", () => assert.equal(resolveBaseUrl(undefined, cloudConfig().cloud, env()), DEFAULT_CLOUD_URL));
});

Deno.test("a placeholder base_url is healed on boot, with a log line", async () => {
  const dir = await Deno.makeTempDir();
  const paths = homePaths(dir);
  const store = Store.open(paths.db);
  try {
    const text = editToml(DEFAULT_CONFIG_TOML, [{ table: ["cloud"], key: "base_url", value: "https://cloud.example" }]);
    assert.ok(text.ok);
    await Deno.writeTextFile(paths.config, text.value);
    savePairing(store, {
      api_key_ciphertext: "c", base_url: "https://halton.test", workspace_id: "w", workspace_slug: null,
      workspace_name: null, workspace_tier: null, machine_id: "m", hostname: "h",
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
