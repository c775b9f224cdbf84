/** @module Proxy variables that would make the daemon loop through itself are dropped. */
import assert from "node:assert/strict";
import { dropSelfProxyEnv, pointsAtSelf } from "./self_proxy.ts";

Deno.test("pointsAtSelf", async (t) => {
  const cases: [string, number, boolean][] = [
    ["http://127.0.0.1:8090", 8090, true],
    ["http://localhost:8090/", 8090, true],
    ["127.0.0.1:8090", 8090, true],
    ["http://[::1]:8090", 8090, true],
    ["http://127.0.0.1:3128", 8090, false],
    ["http://proxy.corp:8090", 8090, false],
    ["not a url at all", 8090, false],
  ];
  for (const [value, port, expected] of cases) {
    await t.step(`${value} on ${port}`, () => assert.equal(pointsAtSelf(value, port), expected));
  }
});

Deno.test("dropSelfProxyEnv keeps other proxies", () => {
  const vars = new Map<string, string>([
    ["HTTPS_PROXY", "http://127.0.0.1:8090"],
    ["http_proxy", "http://localhost:8090"],
    ["ALL_PROXY", "http://proxy.corp:3128"],
  ]);
  const env = { get: (k: string) => vars.get(k), delete: (k: string) => void vars.delete(k) };
  assert.deepEqual(dropSelfProxyEnv(8090, env).sort(), ["HTTPS_PROXY", "http_proxy"]);
  assert.deepEqual([...vars.keys()], ["ALL_PROXY"]);
  assert.deepEqual(dropSelfProxyEnv(0, env), []);
});
