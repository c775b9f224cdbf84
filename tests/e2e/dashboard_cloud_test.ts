/**
 * @module The dashboard's Cloud page in a real browser (Debian's chromium through playwright-core)
 * against a real daemon child and the real server on a fresh Postgres database: the page pairs
 * the machine through the daemon's `/v1/cloud/*` API (Connect, Cancel, Connect again, approve as
 * the signed-in owner, the page turns ACTIVE and `cloud status --json` agrees), nothing leaves
 * loopback, the script runs under a CSP without inline script, and a foreign Origin still gets 403.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { connectDaemon } from "../../daemon/local_api/client.ts";
import { CloudStatus } from "../../shared/schemas/cloud_status.ts";
import { initWithFreePorts, runCli, tempHome } from "./cli_helpers.ts";
import { asMember, daemonCloudState, startCloudServer, waitFor } from "./cloud_helpers.ts";

const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
if (!hasChromium) {
  console.warn(`dashboard cloud test skipped: ${CHROMIUM} is absent (CI installs chromium)`);
}

Deno.test({
  name: "dashboard Cloud page pairs the machine in a real browser",
  ignore: !hasChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const server = await startCloudServer();
    const home = await tempHome();
    const { paths } = home;
    const env = { HALTON_METER_CLOUD_URL: server.baseUrl, HALTON_METER_TEST_CLOUD_FAST: "1" };
    const sql = server.ts.db.sql;
    const serverStatusOf = async (code: string) =>
      (await sql`SELECT status FROM pairing_requests WHERE code = ${
        code.replace("-", "")
      } OR code = ${code}`)[0]?.status;
    let browser: Awaited<ReturnType<typeof chromium.launch>> | null = null;
    try {
      const acct = await server.ts.createAccount({
        email: "owner@acme.dev",
        workspace: "Acme <b>&</b>",
        tier: "team",
      });
      const cookie = await server.ts.login("owner@acme.dev");
      await initWithFreePorts(home.dir);
      const started = await runCli(home.dir, ["start"], env);
      assert.equal(started.code, 0, started.stderr);
      const daemon = await waitFor("the daemon's local API", () => connectDaemon(paths));
      const base = daemon.baseUrl;

      await t.step("a foreign Origin cannot pair the machine", async (t) => {
        const cases: { name: string; headers: Record<string, string>; status: number }[] = [
          {
            name: "Origin http://evil.example",
            headers: { origin: "http://evil.example", "content-type": "application/json" },
            status: 403,
          },
          {
            name: "no Origin",
            headers: { "content-type": "application/json" },
            status: 403,
          },
          {
            name: "another loopback port",
            headers: { origin: "http://127.0.0.1:1", "content-type": "application/json" },
            status: 403,
          },
          {
            name: "own Origin but a form content type",
            headers: { origin: base, "content-type": "text/plain" },
            status: 415,
          },
        ];
        for (const c of cases) {
          await t.step(c.name, async () => {
            const res = await fetch(`${base}/v1/cloud/connect`, {
              method: "POST",
              headers: c.headers,
              body: "{}",
            });
            assert.equal(res.status, c.status);
            await res.body?.cancel();
          });
        }
        const s = await daemonCloudState(paths);
        assert.equal(s.state, "NOT-CONFIGURED");
        assert.equal(s.pairing, null);
      });

      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      });

      await t.step("without JavaScript the page shows the state and the CLI command", async () => {
        const ctx = await browser!.newContext({ javaScriptEnabled: false });
        const page = await ctx.newPage();
        const res = await page.goto(`${base}/cloud`);
        assert.equal(res?.status(), 200);
        assert.equal(await page.getByTestId("cloud-state").innerText(), "NOT-CONFIGURED");
        assert.match(
          await page.getByTestId("connect-cli").innerText(),
          /halton-meter cloud connect/,
        );
        assert.equal(await page.locator("#connect-form").isVisible(), false);
        await ctx.close();
      });

      const page = await browser.newPage();
      const requested: string[] = [];
      const problems: string[] = [];
      page.on("request", (r) => requested.push(r.url()));
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console: ${m.text()}`);
      });
      const codeOnPage = async () => {
        const box = page.getByTestId("pairing");
        await waitFor(
          "a pending code on the page",
          async () =>
            (await box.getAttribute("data-status")) === "pending" &&
            await page.getByTestId("pair-code").isVisible(),
        );
        return (await page.getByTestId("pair-code").innerText()).trim();
      };

      await t.step("the page loads its local script under a strict CSP", async () => {
        const res = await page.goto(`${base}/cloud`);
        assert.equal(res?.status(), 200);
        const csp = res!.headers()["content-security-policy"] ?? "";
        assert.match(csp, /script-src 'self'(;|$)/);
        assert.match(csp, /connect-src 'self'(;|$)/);
        assert.match(csp, /default-src 'none'/);
        assert.equal(await page.locator("script:not([src])").count(), 0);
        assert.equal(await page.getByTestId("cloud-state").innerText(), "NOT-CONFIGURED");
        await waitFor(
          "the script to show the form",
          () => page.locator("#connect-form").isVisible(),
        );
        assert.equal(await page.locator("#connect-nojs").isVisible(), false);
      });

      await t.step("Connect shows a code, Cancel cancels it on the server", async () => {
        await page.getByRole("button", { name: "Connect" }).click();
        const code = await codeOnPage();
        assert.match(code, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
        assert.equal((await daemonCloudState(paths)).pairing?.code, code);
        await page.getByRole("button", { name: "Cancel" }).click();
        await waitFor(
          "cancelled on the page",
          async () =>
            (await page.getByTestId("pairing").getAttribute("data-status")) === "cancelled",
        );
        await waitFor(
          "cancelled on the server",
          async () => (await serverStatusOf(code)) === "cancelled",
        );
        assert.equal(await page.locator("#connect-form").isVisible(), true);
      });

      let code = "";
      await t.step("Connect again, approve as the owner: the page turns ACTIVE", async () => {
        await page.getByRole("button", { name: "Connect" }).click();
        code = await codeOnPage();
        const link = page.getByTestId("approve-url");
        const href = await link.getAttribute("href");
        assert.ok(href?.startsWith(`${server.baseUrl}/connect?code=`), String(href));
        assert.equal(new URL(href!).searchParams.get("code"), code);
        assert.equal(await link.innerText(), href);
        const res = await server.ts.fetch(
          "/v1/pairing/approve",
          asMember(cookie, "POST", { code, workspace_id: acct.workspace.id }),
        );
        assert.equal(res.status, 200, await res.clone().text());
        await res.body?.cancel();
        await waitFor(
          "ACTIVE on the page",
          async () => (await page.getByTestId("cloud-state").innerText()) === "ACTIVE",
        );
        assert.match(await page.getByTestId("workspace").innerText(), /^Acme <b>&<\/b>/);
        assert.equal(await page.locator("main b").count(), 0);
        assert.match(await page.getByTestId("cloud-guidance").innerText(), /Syncing to Acme <b>&/);
        assert.equal(await page.getByTestId("base-url").innerText(), server.baseUrl);
      });

      await t.step("`cloud status --json` agrees with the page", async () => {
        const r = await runCli(home.dir, ["cloud", "status", "--json"], env);
        assert.equal(r.code, 0, r.stderr);
        const s = CloudStatus.parse(JSON.parse(r.stdout));
        assert.equal(s.state, "ACTIVE");
        assert.equal(s.workspace?.id, acct.workspace.id);
        assert.equal(
          await page.getByTestId("privacy").innerText(),
          `${s.privacy_preset} · no bodies`,
        );
        assert.equal(await serverStatusOf(code), "consumed");
      });

      await t.step("a connect from the page while paired is refused with 409", async () => {
        const status = await page.evaluate(async () =>
          (await fetch("/v1/cloud/connect", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: "{}",
          })).status
        );
        assert.equal(status, 409);
      });

      await t.step("nothing left loopback, no script errors, no CSP violations", () => {
        assert.ok(requested.includes(`${base}/assets/cloud.js`));
        assert.ok(requested.includes(`${base}/v1/cloud/connect`));
        assert.ok(requested.includes(`${base}/v1/cloud/state`));
        const external = requested.filter((u) =>
          !u.startsWith(base + "/") && !u.startsWith("data:")
        );
        assert.deepEqual(external, []);
        // The deliberate 409 above is logged by Chromium as a failed resource; nothing else may be.
        assert.deepEqual(problems.filter((p) => !/status of 409/.test(p)), []);
      });
    } finally {
      await browser?.close();
      await home.cleanup();
      await server.close();
    }
  },
});
