/**
 * @module The Cloud page rendered by the real dashboard routes with a stub cloud control, one step
 * per state: guidance, escaping, the connect form only when unpaired, and the page's CSP.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import type { CloudStatus } from "../../shared/schemas/cloud_status.ts";
import { parseConfig } from "../config.ts";
import { homePaths } from "../home.ts";
import { nullLogger } from "../log.ts";
import { Store } from "../store/store.ts";
import { CLOUD_CSP } from "./cloud.tsx";
import { dashboardRoutes } from "./mod.ts";

const base: CloudStatus = {
  state: "NOT-CONFIGURED",
  paused_reason: null,
  last_sync_at: null,
  unsynced_rows: 0,
  last_reconcile_at: null,
  last_error: null,
  consecutive_failures: 0,
  workspace: null,
  machine_id: null,
  hostname: null,
  base_url: "https://cloud.example.org",
  daemon_running: true,
  privacy_preset: "standard",
  bodies_enabled: false,
  row_marks: {},
  pairing: null,
};
const ws = { id: "w1", slug: "acme", name: "Acme <script>x</script>", tier: "team" };

const cases: { name: string; s: Partial<CloudStatus>; has: RegExp[]; not: RegExp[] }[] = [
  {
    name: "NOT-CONFIGURED shows the form, hidden until the script runs, and the CLI command",
    s: {},
    has: [
      /data-testid="cloud-state">NOT-CONFIGURED</,
      /<form id="connect-form"[^>]* hidden/,
      /halton-meter cloud connect/,
      /<script src="\/assets\/cloud.js" defer/,
    ],
    not: [/data-testid="pair-code"\s*(hidden="")?>[A-Z]/],
  },
  {
    name: "a pending pairing shows its code and approve link",
    s: {
      pairing: {
        status: "pending",
        code: "ABCD-EFGH",
        approve_url: "https://cloud.example.org/connect?code=ABCD-EFGH",
        expires_at: null,
        error: null,
        workspace_name: null,
      },
    },
    has: [
      /data-testid="pair-code"\s*>ABCD-EFGH</,
      /href="https:\/\/cloud.example.org\/connect\?code=ABCD-EFGH"/,
    ],
    not: [],
  },
  {
    name: "a non-http approve URL is never a link",
    s: {
      pairing: {
        status: "pending",
        code: "ABCD-EFGH",
        approve_url: "javascript:alert(1)",
        expires_at: null,
        error: null,
        workspace_name: null,
      },
    },
    has: [/href="#"/],
    not: [/javascript:/],
  },
  {
    name: "ACTIVE escapes the workspace name and has no form",
    s: {
      state: "ACTIVE",
      workspace: ws,
      last_sync_at: "2026-11-22T05:30:12.000Z",
      unsynced_rows: 1234,
    },
    has: [
      /Acme &lt;script&gt;x&lt;\/script&gt; \(acme\) · team/,
      /data-testid="last-sync">2026-11-22 05:30:12 UTC</,
      /data-testid="unsynced">1,234</,
    ],
    not: [/<script>x/, /connect-form/],
  },
  {
    name: "DEGRADED says capture goes on",
    s: { state: "DEGRADED", workspace: ws, consecutive_failures: 3, last_error: "HTTP 503" },
    has: [
      /3 failed attempts in a row/,
      /Capture goes on locally/,
      /data-testid="last-error"[^>]*>HTTP 503</,
    ],
    not: [],
  },
  {
    name: "PAUSED paused_unauthorised says run resume",
    s: { state: "PAUSED", paused_reason: "paused_unauthorised", workspace: ws },
    has: [/\(401\)/, /<code>halton-meter cloud resume<\/code>/, /paused_unauthorised/],
    not: [],
  },
  {
    name: "PAUSED paused_forbidden says ask an admin",
    s: { state: "PAUSED", paused_reason: "paused_forbidden", workspace: ws },
    has: [/\(403\)/, /workspace admin to reactivate/],
    not: [],
  },
  {
    name: "PAUSED paused_manual says resume",
    s: { state: "PAUSED", paused_reason: "paused_manual", workspace: ws },
    has: [/paused by hand/, /halton-meter cloud resume/],
    not: [],
  },
];

Deno.test("cloud page", async (t) => {
  const store = Store.open(":memory:");
  const cfg = parseConfig("");
  if (!cfg.ok) throw new Error(cfg.error);
  let current: CloudStatus = base;
  const a = new Hono();
  dashboardRoutes(a, {
    store,
    config: cfg.value,
    paths: homePaths("/nonexistent"),
    logger: nullLogger,
    startedAt: new Date(),
    proxyAddr: { hostname: "127.0.0.1", port: 8090 },
    cloud: { status: () => current },
  });
  try {
    for (const c of cases) {
      await t.step(c.name, async () => {
        current = { ...base, ...c.s };
        const res = await a.request("/cloud");
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("content-security-policy"), CLOUD_CSP);
        const html = await res.text();
        for (const re of c.has) assert.match(html, re);
        for (const re of c.not) assert.doesNotMatch(html, re);
        assert.doesNotMatch(html, /<script>/);
      });
    }
    await t.step("the script is served locally as JavaScript", async () => {
      const res = await a.request("/assets/cloud.js");
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/javascript/);
      assert.match(await res.text(), /fetch\(path, init\)/);
    });
    await t.step("the other pages still forbid every script", async () => {
      const res = await a.request("/requests?period=all");
      assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
      assert.doesNotMatch(res.headers.get("content-security-policy") ?? "", /script-src/);
      await res.body?.cancel();
    });
  } finally {
    store.close();
  }
});
