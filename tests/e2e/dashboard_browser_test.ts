/**
 * @module The dashboard in a real browser (Debian's chromium through playwright-core), served by
 * the real local API server from a real seeded store. The numbers on the page must match
 * `halton-meter report --format json` on the same database, and nothing may leave loopback.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { formatUsd } from "../../shared/money.ts";
import { parseConfig } from "../../daemon/config.ts";
import { homePaths } from "../../daemon/home.ts";
import { nullLogger } from "../../daemon/log.ts";
import { createLocalApp, serveLocalApp } from "../../daemon/local_api/server.ts";
import { dashboardRoutes } from "../../daemon/dashboard/mod.ts";
import { Store } from "../../daemon/store/store.ts";
import { fixtureRows } from "../../daemon/store/reports_testing.ts";

const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
if (!hasChromium) {
  console.warn(`dashboard browser test skipped: ${CHROMIUM} is absent (CI installs chromium)`);
}

const MAIN = new URL("../../daemon/main.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;
const RANGE = ["--since", "2026-11-01", "--until", "2026-12-01"];

interface Line {
  key: string;
  requests: number;
  unpriced: number;
  missing_usage: number;
  prompt_tokens: number;
  cost_usd_millicents: number | null;
}

async function reportJson(home: string, by: string): Promise<{ rows: Line[]; total: Line }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      CONFIG,
      MAIN,
      "report",
      ...RANGE,
      "--by",
      by,
      "--format",
      "json",
    ],
    env: { HALTON_METER_HOME: home, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const fmt = (x: number) => x.toLocaleString("en-US");

Deno.test({
  name: "dashboard in a real browser matches `report --format json`",
  ignore: !hasChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const home = await Deno.makeTempDir({ prefix: "hm-dash-" });
    const paths = homePaths(home);
    const store = Store.open(paths.db);
    const f = fixtureRows();
    store.insertBatch(f.rows, f.bodies);
    const cfg = parseConfig("");
    if (!cfg.ok) throw new Error(cfg.error);
    const app = createLocalApp({
      store,
      config: cfg.value,
      paths,
      logger: nullLogger,
      startedAt: new Date(),
      proxyAddr: { hostname: "127.0.0.1", port: 8090 },
    }, [dashboardRoutes]);
    const server = await serveLocalApp(app, { hostname: "127.0.0.1", port: 0, logger: nullLogger });
    const base = `http://127.0.0.1:${server.port}`;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    const requested: string[] = [];
    const dialogs: string[] = [];
    try {
      const page = await browser.newPage();
      page.on("request", (r) => requested.push(r.url()));
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        d.dismiss();
      });

      await t.step("overview breakdowns equal the report", async () => {
        await page.goto(`${base}/?since=2026-11-01&until=2026-12-01`);
        for (const by of ["project", "model", "provider"]) {
          const report = await reportJson(home, by);
          const table = page.getByTestId(`breakdown-${by}`);
          const keys = await table.locator("tbody tr").evaluateAll((trs) =>
            trs.map((tr) => tr.getAttribute("data-key"))
          );
          assert.deepEqual(keys, [...report.rows.map((r) => r.key), "__total"]);
          for (const line of [...report.rows, { ...report.total, key: "__total" }]) {
            const row = table.locator(`tr[data-key="${line.key}"]`);
            const cell = (col: string) => row.locator(`td[data-col="${col}"]`).innerText();
            assert.equal(await cell("requests"), fmt(line.requests), `${by} ${line.key} requests`);
            assert.equal(await cell("prompt_tokens"), fmt(line.prompt_tokens));
            assert.equal(await cell("unpriced"), fmt(line.unpriced));
            assert.equal(await cell("missing_usage"), fmt(line.missing_usage));
            assert.equal(
              await cell("cost"),
              formatUsd(line.cost_usd_millicents),
              `${by} ${line.key} cost`,
            );
          }
        }
        const total = (await reportJson(home, "project")).total;
        assert.equal(
          await page.getByTestId("total-cost").innerText(),
          formatUsd(total.cost_usd_millicents),
        );
        assert.equal(await page.getByTestId("total-requests").innerText(), fmt(total.requests));
        assert.equal(await page.getByTestId("total-unpriced").innerText(), fmt(total.unpriced));
        assert.equal(await page.getByTestId("total-missing").innerText(), fmt(total.missing_usage));
      });

      await t.step("chart bars equal the report by day", async () => {
        const byDay = await reportJson(home, "day");
        const bars = await page.locator("rect.bar").evaluateAll((rs) =>
          rs.map((r) =>
            [r.getAttribute("data-day"), Number(r.getAttribute("data-cost"))] as [string, number]
          )
        );
        // Every day of November is drawn; days without data are zero.
        assert.equal(bars.length, 30);
        const costs = new Map(bars);
        for (const d of byDay.rows) {
          assert.equal(costs.get(d.key), d.cost_usd_millicents ?? 0, d.key);
        }
        assert.equal(costs.get("2026-11-20"), 0);
      });

      await t.step("request list filters by project", async () => {
        await page.goto(`${base}/requests?since=2026-11-01&until=2026-12-01`);
        assert.equal(await page.getByTestId("match-count").innerText(), "8 requests");
        await page.locator('select[name="project"]').selectOption("beta");
        await page.locator('select[name="status"]').selectOption("unpriced");
        await Promise.all([
          page.waitForURL(/project=beta/),
          page.getByRole("button", { name: "Filter" }).click(),
        ]);
        assert.equal(await page.getByTestId("match-count").innerText(), "1 request");
        assert.equal(await page.locator("tbody tr").count(), 1);
        assert.equal(await page.locator('td[data-col="cost"]').innerText(), "unpriced");
      });

      await t.step("request detail: tokens, cost breakdown, trail, escaped bodies", async () => {
        await page.goto(`${base}/requests?since=2026-11-01&until=2026-12-01&project=alpha`);
        const first = f.rows[0];
        await Promise.all([
          page.waitForURL(/\/requests\/[0-9a-f-]{36}$/),
          page.locator(`tr[data-id="${first.request_id}"] a`).click(),
        ]);
        assert.equal(await page.getByTestId("method").innerText(), "rcfile");
        assert.equal(await page.getByTestId("project").innerText(), "alpha");
        assert.equal(
          await page.locator('[data-testid="tokens"] td[data-col="cache_read_tokens"]').innerText(),
          "1,000",
        );
        assert.equal(
          await page.getByTestId("stored-cost").innerText(),
          formatUsd(first.cost_usd_millicents),
        );
        assert.ok(
          await page.locator('[data-testid="cost-breakdown"] tr[data-class="output"]').count() ===
            1,
        );
        const trail = await page.locator('[data-testid="trail"] tbody tr td:first-child')
          .allInnerTexts();
        assert.deepEqual(trail, ["header", "rcfile"]);
        assert.match(
          await page.getByTestId("body-request").innerText(),
          /<script>alert\(1\)<\/script> hi/,
        );
        assert.equal(await page.locator("main script").count(), 0);
        assert.match(await page.getByTestId("truncated-response").innerText(), /truncated/);
        assert.equal(dialogs.length, 0);
      });

      await t.step("nothing outside this origin was requested", () => {
        assert.ok(requested.length >= 5);
        const external = requested.filter((u) =>
          !u.startsWith(base + "/") && !u.startsWith("data:")
        );
        assert.deepEqual(external, []);
        assert.ok(requested.includes(`${base}/assets/dashboard.css`));
      });
    } finally {
      await browser.close();
      await server.close();
      store.close();
      await Deno.remove(home, { recursive: true });
    }
  },
});
