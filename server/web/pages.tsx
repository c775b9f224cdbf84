/**
 * @module The server's HTML pages: sign-in (`/login`), sign-out, and the pairing approve page
 * (`/connect?code=…`) where a signed-in owner/admin confirms a code and picks a workspace.
 * Every form post carries the double-submit CSRF token.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../context.ts";
import { HttpError } from "../errors.ts";
import { clientIp, currentUser } from "../middleware/auth.ts";
import { formCsrfToken, verifyFormCsrf } from "../middleware/csrf.ts";
import { getCookie } from "hono/cookie";
import { deleteSession, workspacesOf } from "../services/accounts.ts";
import { decidePairing, peekPairing } from "../services/pairing.ts";
import { clearSessionCookie, SESSION_COOKIE, signIn } from "../services/sessions.ts";
import { Layout } from "./layout.tsx";
import { readBodyText } from "../validate.ts";

function safeNext(v: unknown): string {
  return typeof v === "string" && v.startsWith("/") && !v.startsWith("//") ? v : "/";
}

async function formOf(c: Context<AppEnv>): Promise<Record<string, string>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw new HttpError(
      415,
      "unsupported_media_type",
      "Send this form as application/x-www-form-urlencoded",
    );
  }
  const text = await readBodyText(c, 64 * 1024);
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = v.slice(0, 2000);
  return out;
}

/** HTML routes: `/`, `/login`, `/logout`, `/connect`. */
export function webRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const extra = {
    extraOrigin: deps.config.pairingDashboardUrl,
    trustProxy: deps.config.trustProxy,
  };

  const loginPage = (
    c: Context<AppEnv>,
    next: string,
    error?: string,
    status: 200 | 401 | 429 = 200,
  ) =>
    c.html(
      <Layout title="Sign in">
        {error ? <p class="err">{error}</p> : null}
        <form method="post" action="/login">
          <input type="hidden" name="_csrf" value={formCsrfToken(c)} />
          <input type="hidden" name="next" value={next} />
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="username" required />
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
          />
          <button type="submit">Sign in</button>
        </form>
      </Layout>,
      status,
    );

  app.get("/", async (c) => {
    const who = await currentUser(c, deps);
    if (!who) return c.redirect("/login");
    const ws = await workspacesOf(deps.sql, who.user.id);
    return c.html(
      <Layout title="halton-meter">
        <p>Signed in as {who.user.email}.</p>
        <ul>
          {ws.map((w) => (
            <li key={w.id}>
              <a href={`/w/${w.slug}`}>{w.name}</a> ({w.slug}) · {w.tier} · {w.role}
            </li>
          ))}
        </ul>
        <p>
          <a href="/connect">Connect a device</a>
        </p>
        <form method="post" action="/logout">
          <input type="hidden" name="_csrf" value={formCsrfToken(c)} />
          <button type="submit">Sign out</button>
        </form>
      </Layout>,
    );
  });

  app.get("/login", (c) => loginPage(c, safeNext(c.req.query("next"))));

  app.post("/login", async (c) => {
    const f = await formOf(c);
    verifyFormCsrf(c, f, extra);
    const next = safeNext(f.next);
    try {
      await signIn(c, deps, f.email ?? "", f.password ?? "", clientIp(c, deps.config.trustProxy));
    } catch (e) {
      if (e instanceof HttpError && (e.status === 401 || e.status === 429)) {
        return loginPage(c, next, e.message, e.status);
      }
      throw e;
    }
    return c.redirect(next, 303);
  });

  app.post("/logout", async (c) => {
    const f = await formOf(c);
    verifyFormCsrf(c, f, extra);
    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie) {
      await deleteSession(deps.sql, cookie, deps.clock.now(), clientIp(c, deps.config.trustProxy));
    }
    clearSessionCookie(c);
    return c.redirect("/login", 303);
  });

  app.get("/connect", async (c) => {
    const code = (c.req.query("code") ?? "").slice(0, 32);
    const who = await currentUser(c, deps);
    if (!who) {
      return c.redirect(
        `/login?next=${
          encodeURIComponent(c.req.path + (code ? `?code=${encodeURIComponent(code)}` : ""))
        }`,
      );
    }
    const ws = (await workspacesOf(deps.sql, who.user.id)).filter((w) =>
      w.role === "owner" || w.role === "admin"
    );
    let pending: Awaited<ReturnType<typeof peekPairing>> = null;
    let peekError: string | null = null;
    if (code) {
      try {
        pending = await peekPairing(deps.sql, {
          user: who.user,
          ip: clientIp(c, deps.config.trustProxy),
          code,
          now: deps.clock.now(),
        });
        if (!pending) peekError = "No pending pairing has this code (wrong, used or expired).";
      } catch (e) {
        if (!(e instanceof HttpError && e.status === 429)) throw e;
        peekError = e.message;
      }
    }
    return c.html(
      <Layout title="Connect a device">
        {ws.length === 0
          ? (
            <p class="err">
              You are not an owner or admin of any workspace, so you cannot approve devices.
            </p>
          )
          : null}
        {peekError ? <p class="err">{peekError}</p> : null}
        {pending
          ? (
            <p>
              Device <b>{pending.hostname}</b> (halton-meter{" "}
              {pending.daemon_version}) asks to join. Check that it shows this code:
            </p>
          )
          : <p class="muted">Enter the code your terminal shows.</p>}
        <form method="post" action="/connect">
          <input type="hidden" name="_csrf" value={formCsrfToken(c)} />
          <label for="code">Code</label>
          <input
            id="code"
            name="code"
            class="code"
            value={pending?.code ?? code}
            placeholder="XXXX-XXXX"
            required
          />
          <label for="workspace_id">Workspace</label>
          <select id="workspace_id" name="workspace_id">
            {ws.map((w) => <option key={w.id} value={w.id}>{w.name} ({w.slug})</option>)}
          </select>
          <button type="submit" name="decision" value="approve">Approve</button>
          <button type="submit" name="decision" value="deny">Deny</button>
        </form>
      </Layout>,
    );
  });

  app.post("/connect", async (c) => {
    const f = await formOf(c);
    verifyFormCsrf(c, f, extra);
    const who = await currentUser(c, deps);
    if (!who) return c.redirect("/login?next=/connect", 303);
    const mine = (await workspacesOf(deps.sql, who.user.id)).filter((w) =>
      w.role === "owner" || w.role === "admin"
    );
    const decision = f.decision === "deny" ? "deny" : "approve";
    const ws = mine.find((w) => w.id === f.workspace_id) ?? null;
    const fail = (msg: string, status: 403 | 404 | 410 | 429) =>
      c.html(
        <Layout title="Connect a device">
          <p class="err">{msg}</p>
          <p>
            <a href="/connect">Try again</a>
          </p>
        </Layout>,
        status,
      );
    if (mine.length === 0 || (decision === "approve" && !ws)) {
      return fail("Pick a workspace where you are an owner or admin.", 403);
    }
    try {
      const r = await decidePairing(deps.sql, {
        user: who.user,
        code: f.code ?? "",
        decision,
        workspace: decision === "approve" && ws
          ? { id: ws.id, slug: ws.slug, name: ws.name, tier: ws.tier }
          : null,
        ip: clientIp(c, deps.config.trustProxy),
        now: deps.clock.now(),
      });
      return c.html(
        <Layout title="Connect a device">
          <p class="ok">
            {r.status === "approved"
              ? `Approved: ${r.hostname} joins ${r.workspace?.name}. The terminal finishes on its own.`
              : `Denied: ${r.hostname} was not connected.`}
          </p>
        </Layout>,
      );
    } catch (e) {
      if (e instanceof HttpError && (e.status === 404 || e.status === 429)) {
        return fail(e.message, e.status);
      }
      throw e;
    }
  });

  return app;
}
