/** @module Dashboard routes over a real store, without a browser: status codes, escaping, headers. */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { parseConfig } from "../config.ts";
import { homePaths } from "../home.ts";
import { nullLogger } from "../log.ts";
import { Store } from "../store/store.ts";
import { fixtureRows } from "../store/reports_testing.ts";
import { exactUsd } from "./detail.tsx";
import { dashboardRoutes } from "./mod.ts";

function app(): { app: Hono; store: Store; rows: ReturnType<typeof fixtureRows>["rows"] } {
  const store = Store.open(":memory:");
  const f = fixtureRows();
  store.insertBatch(f.rows, f.bodies);
  const cfg = parseConfig("");
  if (!cfg.ok) throw new Error(cfg.error);
  const a = new Hono();
  dashboardRoutes(a, {
    store,
    config: cfg.value,
    paths: homePaths("/nonexistent"),
    logger: nullLogger,
    startedAt: new Date(),
    proxyAddr: { hostname: "127.0.0.1", port: 8090 },
  });
  return { app: a, store, rows: f.rows };
}

Deno.test("dashboard routes", async (t) => {
  const { app: a, store, rows } = app();
  try {
    const cases: [string, number, RegExp][] = [
      ["/?since=2026-11-01&until=2026-12-01", 200, /data-testid="total-cost">\$2\.66177</],
      ["/?period=7y", 400, /Unknown period &quot;7y&quot;/],
      ["/?since=2026-11-10&until=2026-11-01", 400, /is later than --until/],
      ["/requests?period=all&status=bogus", 400, /Unknown status &quot;bogus&quot;/],
      ["/requests?period=all&page=0", 400, /Invalid page/],
      ["/requests?period=all&provider=anthropic", 200, /1 request</],
      ["/requests/00000000-0000-4000-8000-000000000000", 404, /No request with id/],
      ["/requests/<script>", 404, /No request with id &lt;script&gt;/],
      [`/requests/${rows[0].request_id}`, 200, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/],
      ["/assets/dashboard.css", 200, /--accent/],
    ];
    for (const [url, status, re] of cases) {
      await t.step(url, async () => {
        const res = await a.request(url);
        const text = await res.text();
        assert.equal(res.status, status, text.slice(0, 300));
        assert.match(text, re);
        if (!url.startsWith("/assets")) {
          assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
          assert.ok(
            !/https?:\/\/(?!127\.0\.0\.1)/.test(
              text.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, ""),
            ),
            "no external URL",
          );
        }
      });
    }
  } finally {
    store.close();
  }
});

Deno.test("exact USD from millicents strings", async (t) => {
  const cases: [string, string][] = [
    ["2.500000", "$0.000025"],
    ["60", "$0.00060"],
    ["123456.75", "$1.2345675"],
    ["0", "$0.00000"],
    ["-5", "-$0.00005"],
  ];
  for (const [inp, want] of cases) await t.step(inp, () => assert.equal(exactUsd(inp), want));
});
