/** @module The local cloud control API only answers the dashboard's own origin, JSON only. */
import assert from "node:assert/strict";
import { createLocalApp } from "../local_api/server.ts";
import { nullLogger } from "../log.ts";
import type { Store } from "../store/store.ts";
import { homePaths } from "../home.ts";
import { cloudRoutes } from "./local_routes.ts";
import type { CloudControl } from "./supervisor.ts";
import { cloudConfig } from "./testing.ts";
import { ConfigSchema } from "../config.ts";

Deno.test("local cloud routes: Origin check and JSON only", async (t) => {
  const calls: string[] = [];
  const status = {
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
    base_url: null,
    daemon_running: true,
    privacy_preset: "standard",
    bodies_enabled: false,
    row_marks: {},
    pairing: null,
  } as const;
  const control: CloudControl = {
    status: () => ({ ...status }),
    connect: (o) => {
      calls.push(`connect ${o.base_url}`);
      return Promise.resolve({
        ok: true,
        value: {
          status: "pending",
          code: "ABCD-EFGH",
          approve_url: "http://x/connect?code=ABCD-EFGH",
          expires_at: null,
          error: null,
          workspace_name: null,
        },
      });
    },
    cancelPairing: () => (calls.push("cancel"), Promise.resolve(null)),
    syncNow: () => Promise.resolve({ batches: [], state: "ACTIVE" }),
    wake: () => void calls.push("wake"),
    close: () => Promise.resolve(),
  };
  const config = ConfigSchema.parse({ dashboard: { port: 3999 }, cloud: cloudConfig().cloud });
  const app = createLocalApp({
    store: {} as Store,
    config,
    paths: homePaths("/nonexistent"),
    logger: nullLogger,
    startedAt: new Date(),
    proxyAddr: { hostname: "127.0.0.1", port: 1 },
    cloud: control,
  }, [cloudRoutes]);
  const req = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    app.request(`http://127.0.0.1:3999${path}`, {
      method,
      headers: { host: "127.0.0.1:3999", ...headers },
      body,
    });
  const cases: {
    name: string;
    method: string;
    path: string;
    headers: Record<string, string>;
    body?: string;
    status: number;
  }[] = [
    {
      name: "POST from the dashboard origin with JSON",
      method: "POST",
      path: "/v1/cloud/connect",
      headers: { origin: "http://127.0.0.1:3999", "content-type": "application/json" },
      body: '{"base_url":"http://127.0.0.1:9"}',
      status: 201,
    },
    {
      name: "localhost spelling of the same origin",
      method: "POST",
      path: "/v1/cloud/connect",
      headers: { origin: "http://localhost:3999", "content-type": "application/json" },
      body: "{}",
      status: 201,
    },
    {
      name: "POST from another origin",
      method: "POST",
      path: "/v1/cloud/connect",
      headers: { origin: "https://evil.example", "content-type": "application/json" },
      body: "{}",
      status: 403,
    },
    {
      name: "POST from another local port",
      method: "POST",
      path: "/v1/cloud/connect",
      headers: { origin: "http://127.0.0.1:4000", "content-type": "application/json" },
      body: "{}",
      status: 403,
    },
    {
      name: "POST without an Origin",
      method: "POST",
      path: "/v1/cloud/connect",
      headers: { "content-type": "application/json" },
      body: "{}",
      status: 403,
    },
    {
      name: "POST as a form (no preflight) is refused",
      method: "POST",
      path: "/v1/cloud/connect",
      headers: {
        origin: "http://127.0.0.1:3999",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "a=1",
      status: 415,
    },
    {
      name: "POST as text/plain is refused",
      method: "POST",
      path: "/v1/cloud/connect",
      headers: { origin: "http://127.0.0.1:3999", "content-type": "text/plain" },
      body: "{}",
      status: 415,
    },
    {
      name: "cross-site fetch metadata is refused",
      method: "POST",
      path: "/v1/cloud/connect",
      headers: {
        origin: "http://127.0.0.1:3999",
        "content-type": "application/json",
        "sec-fetch-site": "cross-site",
      },
      body: "{}",
      status: 403,
    },
    {
      name: "GET state same-origin without Origin",
      method: "GET",
      path: "/v1/cloud/state",
      headers: {},
      status: 200,
    },
    {
      name: "GET state from another origin",
      method: "GET",
      path: "/v1/cloud/state",
      headers: { origin: "https://evil.example" },
      status: 403,
    },
    {
      name: "invalid base_url",
      method: "POST",
      path: "/v1/cloud/connect",
      headers: { origin: "http://127.0.0.1:3999", "content-type": "application/json" },
      body: '{"base_url":"nope"}',
      status: 422,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      const res = await req(c.method, c.path, c.headers, c.body);
      assert.equal(res.status, c.status, await res.text());
    });
  }
  await t.step("only the allowed requests reached the supervisor", () => {
    assert.deepEqual(calls, ["connect http://127.0.0.1:9", "connect undefined"]);
  });
});
