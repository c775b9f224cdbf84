/** @module Accounts: JSON sign-in, cookie flags, CSRF (JSON and forms), personal tokens, the /login and /connect pages. */
import assert from "node:assert/strict";
import { startTestServer, TEST_PASSWORD, type TestServer } from "../testing.ts";
import { PBKDF2_ITERATIONS } from "../services/crypto.ts";

function cookiesOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of res.headers.getSetCookie()) {
    const [kv] = c.split(";");
    const i = kv.indexOf("=");
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

async function formPage(
  ts: TestServer,
  path: string,
  cookie = "",
): Promise<{ csrf: string; cookie: string; html: string }> {
  const res = await ts.fetch(path, { headers: cookie ? { cookie } : {} });
  assert.equal(res.status, 200);
  const html = await res.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
  const set = cookiesOf(res).hm_csrf;
  const jar = [cookie, set ? `hm_csrf=${set}` : ""].filter(Boolean).join("; ");
  return { csrf, cookie: jar, html };
}

Deno.test("accounts and sessions", async (t) => {
  const ts = await startTestServer();
  try {
    const acct = await ts.createAccount({
      email: "Ann@Auth.test",
      workspace: "Auth",
      tier: "team",
    });
    await ts.createAccount({ email: "eve@auth.test", workspace: "Auth", role: "editor" });
    const login = (body: unknown, url = "/v1/auth/login", base?: string) =>
      base
        ? Promise.resolve(
          ts.app.request(base + url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
          }),
        )
        : ts.fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });

    await t.step("passwords are PBKDF2-SHA256 with ≥ 600k iterations", async () => {
      const [u] = await ts.db.sql`SELECT password_hash FROM users WHERE id = ${acct.user.id}`;
      const [scheme, iter] = u.password_hash.split("$");
      assert.equal(scheme, "pbkdf2-sha256");
      assert.ok(Number(iter) >= 600_000 && Number(iter) === PBKDF2_ITERATIONS);
      assert.ok(!u.password_hash.includes(TEST_PASSWORD));
    });

    await t.step(
      "sign-in: email is case-insensitive; cookie HttpOnly, SameSite=Lax, no Secure on localhost",
      async () => {
        const res = await login({ email: "ann@auth.test", password: TEST_PASSWORD });
        assert.equal(res.status, 200);
        const body = await res.json();
        assert.equal(body.user.id, acct.user.id);
        assert.equal(body.workspaces[0].role, "owner");
        const c = res.headers.getSetCookie().find((x) => x.startsWith("hm_session="))!;
        assert.match(c, /HttpOnly/);
        assert.match(c, /SameSite=Lax/);
        assert.doesNotMatch(c, /Secure/);
      },
    );

    await t.step("sign-in off localhost sets Secure", async () => {
      const res = await login(
        { email: "ann@auth.test", password: TEST_PASSWORD },
        "/v1/auth/login",
        "https://meter.example.com",
      );
      assert.equal(res.status, 200);
      assert.match(res.headers.getSetCookie().find((x) => x.startsWith("hm_session="))!, /Secure/);
    });

    const badLogins: [string, unknown, number][] = [
      ["wrong password", { email: "ann@auth.test", password: "nope" }, 401],
      ["unknown email", { email: "zed@auth.test", password: "nope" }, 401],
      ["not an email", { email: "ann", password: "x" }, 422],
    ];
    for (const [name, body, status] of badLogins) {
      await t.step(`sign-in: ${name} → ${status}`, async () => {
        const res = await login(body);
        assert.equal(res.status, status);
        assert.ok((await res.json()).error.request_id);
      });
    }

    await t.step("sign-in as form-encoded JSON endpoint → 415", async () => {
      const res = await ts.fetch("/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "{}",
      });
      assert.equal(res.status, 415);
    });

    await t.step("too many failed sign-ins → 429", async () => {
      for (let i = 0; i < 10; i++) {
        await (await login({ email: "eve@auth.test", password: `wrong${i}` })).body?.cancel();
      }
      const res = await login({ email: "eve@auth.test", password: TEST_PASSWORD });
      assert.equal(res.status, 429);
      assert.ok(res.headers.get("retry-after"));
    });

    const cookie = await ts.login("ann@auth.test");

    await t.step("me with the session", async () => {
      const res = await ts.fetch("/v1/auth/me", { headers: { cookie } });
      assert.equal((await res.json()).user.email, "Ann@Auth.test");
    });

    await t.step(
      "CSRF: a session POST without JSON content type or from another origin → 403",
      async () => {
        const plain = await ts.fetch("/v1/workspaces", {
          method: "POST",
          headers: { cookie, "content-type": "text/plain" },
          body: '{"name":"x"}',
        });
        assert.equal(plain.status, 403);
        assert.equal((await plain.json()).error.code, "csrf_failed");
        const foreign = await ts.fetch("/v1/workspaces", {
          method: "POST",
          headers: { cookie, "content-type": "application/json", origin: "https://evil.example" },
          body: '{"name":"x"}',
        });
        assert.equal(foreign.status, 403);
        const [n] = await ts.db.sql`SELECT count(*)::int AS n FROM workspaces WHERE name = 'x'`;
        assert.equal(n.n, 0);
      },
    );

    await t.step("personal API token: create, use without CSRF, revoke", async () => {
      const res = await ts.fetch("/v1/auth/tokens", {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: '{"name":"ci"}',
      });
      assert.equal(res.status, 201);
      const tok = await res.json();
      assert.match(tok.token, /^hm_pat_[A-Za-z0-9_-]{43}$/);
      const [row] = await ts.db.sql`SELECT token_hash FROM api_tokens WHERE id = ${tok.id}`;
      assert.match(row.token_hash, /^[0-9a-f]{64}$/);
      const auth = { authorization: `Bearer ${tok.token}` };
      assert.equal(
        (await ts.fetch(`/v1/workspaces/${acct.workspace.id}/devices`, { headers: auth })).status,
        200,
      );
      const del = await ts.fetch(`/v1/auth/tokens/${tok.id}`, { method: "DELETE", headers: auth });
      assert.equal(del.status, 204);
      assert.equal((await ts.fetch("/v1/auth/me", { headers: auth })).status, 401);
      assert.equal(
        (await ts.fetch("/v1/auth/tokens", {
          method: "POST",
          headers: { cookie, "content-type": "application/json" },
          body: '{"name":""}',
        })).status,
        422,
      );
    });

    await t.step("logout ends the session", async () => {
      const c = await ts.login("ann@auth.test");
      assert.equal(
        (await ts.fetch("/v1/auth/logout", {
          method: "POST",
          headers: { cookie: c, "content-type": "application/json" },
        })).status,
        204,
      );
      assert.equal((await ts.fetch("/v1/auth/me", { headers: { cookie: c } })).status, 401);
    });

    await t.step("/login form: CSRF token required; good post → 303 and a session", async () => {
      const page = await formPage(ts, "/login?next=/connect");
      assert.ok(page.csrf.length >= 20);
      const post = (csrf: string) =>
        ts.fetch("/login", {
          method: "POST",
          redirect: "manual",
          headers: { cookie: page.cookie, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            _csrf: csrf,
            email: "ann@auth.test",
            password: TEST_PASSWORD,
            next: "/connect",
          }).toString(),
        });
      const forged = await post("forged-token-forged-token");
      assert.equal(forged.status, 403);
      const ok = await post(page.csrf);
      assert.equal(ok.status, 303);
      assert.equal(ok.headers.get("location"), "/connect");
      assert.ok(cookiesOf(ok).hm_session);
    });

    await t.step(
      "/connect: anonymous → sign-in redirect; owner approves through the form",
      async () => {
        const anon = await ts.fetch("/connect?code=ABCD-EFGH", { redirect: "manual" });
        assert.equal(anon.status, 302);
        assert.match(anon.headers.get("location")!, /^\/login\?next=/);
        const start = await (await ts.fetch("/v1/pairing/start", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            machine_id: "m-web",
            hostname: "web-box",
            daemon_version: "9.9.9",
          }),
        })).json();
        const page = await formPage(ts, `/connect?code=${start.code.toLowerCase()}`, cookie);
        assert.match(page.html, /web-box/);
        assert.match(page.html, new RegExp(start.code));
        const res = await ts.fetch("/connect", {
          method: "POST",
          headers: { cookie: page.cookie, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            _csrf: page.csrf,
            code: start.code,
            workspace_id: acct.workspace.id,
            decision: "approve",
          }).toString(),
        });
        assert.equal(res.status, 200);
        assert.match(await res.text(), /Approved: web-box joins Auth/);
        const poll = await (await ts.fetch("/v1/pairing/poll", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ pairing_id: start.pairing_id, poll_secret: start.poll_secret }),
        })).json();
        assert.equal(poll.status, "approved");
      },
    );

    await t.step("every state change is in the audit log", async () => {
      const actions = (await ts.db.sql`SELECT DISTINCT action FROM audit_events`).map((r) =>
        r.action
      );
      for (
        const a of [
          "account.bootstrap",
          "auth.login",
          "api_token.created",
          "api_token.revoked",
          "pairing.approved",
        ]
      ) {
        assert.ok(actions.includes(a), a);
      }
    });
  } finally {
    await ts.close();
  }
});
