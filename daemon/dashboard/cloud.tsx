/**
 * @module The dashboard's Cloud page at `/cloud`: the sync worker's state from `CloudStatus`
 * (server-rendered, with plain-language guidance per state) and, when the machine is not paired,
 * a "Connect to a workspace" form driven by the local script `/assets/cloud.js`. The script talks
 * to the daemon's own `/v1/cloud/*` control API (same origin, JSON only); without JavaScript the
 * page still shows the state and the `halton-meter cloud connect` command. This page's
 * Content-Security-Policy allows `script-src 'self'` and `connect-src 'self'` only: no inline
 * script, nothing remote.
 */
import type { Hono } from "hono";
import type { CloudPairing, CloudStatus } from "../../shared/schemas/cloud_status.ts";
import type { LocalDeps } from "../local_api/server.ts";
import type { CloudControl } from "../cloud/supervisor.ts";
import { CLOUD_JS } from "./assets/cloud_js.ts";
import { n } from "./components.tsx";
import { Layout } from "./layout.tsx";

/** The Cloud page's policy: the other pages' policy plus this origin's script and fetch. */
export const CLOUD_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const CLOUD_CSS = `
[hidden]{display:none!important}
.state{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:650;letter-spacing:.03em}
.state-ACTIVE{background:#ecfdf3;color:#067647}.state-DEGRADED{background:#fffaeb;color:#b54708}
.state-PAUSED{background:#fef3f2;color:#b42318}.state-NOT-CONFIGURED{background:#f2f4f7;color:#475467}
.pair-code{font:700 28px/1.2 ui-monospace,SFMono-Regular,Menlo,monospace;letter-spacing:.08em}
button.secondary{background:#fff;color:var(--fg);border-color:var(--line)}
code{background:#f2f4f7;padding:1px 5px;border-radius:4px}
`;

/** Mounts `/cloud` and `/assets/cloud.js` with the Cloud page's security headers. */
export function mountCloudPage(app: Hono, deps: LocalDeps): void {
  app.use("/cloud", async (c, next) => {
    await next();
    c.header("content-security-policy", CLOUD_CSP);
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
  });
  app.get(
    "/assets/cloud.js",
    (c) =>
      c.body(CLOUD_JS, 200, {
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
      }),
  );
  app.get("/cloud", (c) => {
    const control = deps.cloud as CloudControl | undefined;
    return c.html(<CloudPage status={control ? control.status() : null} />);
  });
}

/** A timestamp as `2026-11-22 05:30:12 UTC`, or "never". */
function when(iso: string | null): string {
  if (!iso) return "never";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

/** Only http(s) links are rendered as links (never `javascript:` or other schemes). */
function safeHref(url: string | null): string | null {
  return url && /^https?:\/\//i.test(url) ? url : null;
}

const Cmd = (props: { c: string }) => <code>{props.c}</code>;

/** Plain-language guidance for a state. */
export function Guidance(props: { s: CloudStatus }) {
  const s = props.s;
  const ws = s.workspace?.name ?? s.workspace?.slug ?? s.workspace?.id ?? "your workspace";
  switch (s.state) {
    case "ACTIVE":
      return (
        <p>
          Syncing to <strong>{ws}</strong>. New rows are sent within a few seconds, redacted by the
          {" "}
          <strong>{s.privacy_preset}</strong> privacy preset. To stop for a while run{" "}
          <Cmd c="halton-meter cloud pause" />.
        </p>
      );
    case "DEGRADED":
      return (
        <p class="warn">
          The cloud server could not be reached or answered with an error
          {s.consecutive_failures ? ` (${s.consecutive_failures} failed attempts in a row)` : ""}.
          Capture goes on locally; unsynced rows are kept and sent once the server answers again.
          Nothing to do unless this lasts: check the network and{" "}
          <Cmd c="halton-meter cloud status" />.
        </p>
      );
    case "PAUSED":
      if (s.paused_reason === "paused_unauthorised") {
        return (
          <p class="bad">
            The server rejected this machine's token (401), so sync stopped. Run{" "}
            <Cmd c="halton-meter cloud resume" />{" "}
            to try again; if it says the token was revoked, run{" "}
            <Cmd c="halton-meter cloud disconnect" /> and then{" "}
            <Cmd c="halton-meter cloud connect" />.
          </p>
        );
      }
      if (s.paused_reason === "paused_forbidden") {
        return (
          <p class="bad">
            The server refused this device (403): it was suspended or removed from the workspace.
            Ask a workspace admin to reactivate it, then run <Cmd c="halton-meter cloud resume" />.
          </p>
        );
      }
      return (
        <p class="warn">
          Sync is paused by hand. Capture goes on locally and rows wait here. Run{" "}
          <Cmd c="halton-meter cloud resume" /> to continue.
        </p>
      );
    default:
      return (
        <p>
          This machine is not paired with a workspace: nothing leaves it. Connect it below, or run
          {" "}
          <Cmd c="halton-meter cloud connect" /> in a terminal.
        </p>
      );
  }
}

/** The pairing box: code, approve link, status and Cancel. Hidden until a pairing exists. */
function PairingBox(props: { p: CloudPairing | null }) {
  const p = props.p;
  const href = safeHref(p?.approve_url ?? null);
  const pending = p?.status === "pending";
  return (
    <div id="pairing" data-testid="pairing" data-status={p?.status ?? ""} hidden={!p}>
      <p id="pair-instructions" hidden={!pending}>
        Approve this code as a member of the workspace:
      </p>
      <div class="pair-code" id="pair-code" data-testid="pair-code" hidden={!pending}>
        {p?.code ?? ""}
      </div>
      <p id="pair-link-row" hidden={!pending || !href}>
        <a
          id="pair-link"
          data-testid="approve-url"
          href={href ?? "#"}
          target="_blank"
          rel="noopener noreferrer"
        >
          {href ?? ""}
        </a>
      </p>
      <p>
        Pairing: <strong id="pair-status" data-testid="pair-status">{p?.status ?? ""}</strong>
        <span id="pair-message" data-testid="pair-message" class="muted">
          {p?.status === "approved" && p.workspace_name ? ` · paired with ${p.workspace_name}` : ""}
          {p?.error ? ` · ${p.error}` : ""}
        </span>
      </p>
      <button type="button" id="pair-cancel" class="secondary" hidden={!pending}>Cancel</button>
    </div>
  );
}

/** The Cloud page. `status` is null when the daemon runs without a cloud supervisor. */
export function CloudPage(props: { status: CloudStatus | null }) {
  const s = props.status;
  if (!s) {
    return (
      <Layout title="Cloud" active="cloud">
        <h1>Cloud sync</h1>
        <div class="card error-box" data-testid="error">
          The cloud supervisor is not running in this daemon; see daemon.err.log.
        </div>
      </Layout>
    );
  }
  const unpaired = s.state === "NOT-CONFIGURED";
  const marks = Object.entries(s.row_marks).filter(([, v]) => v > 0);
  return (
    <Layout title="Cloud" active="cloud">
      <style>{CLOUD_CSS}</style>
      <h1>Cloud sync</h1>
      <div class="card" id="cloud" data-state={s.state}>
        <h2>
          State: <span class={`state state-${s.state}`} data-testid="cloud-state">{s.state}</span>
          {s.paused_reason
            ? <span class="muted" data-testid="paused-reason">{s.paused_reason}</span>
            : null}
        </h2>
        <div data-testid="cloud-guidance">
          <Guidance s={s} />
        </div>
        <dl class="kv" data-testid="cloud-details">
          <dt>Workspace</dt>
          <dd data-testid="workspace">
            {s.workspace
              ? `${s.workspace.name ?? s.workspace.id}${
                s.workspace.slug ? ` (${s.workspace.slug})` : ""
              }${s.workspace.tier ? ` · ${s.workspace.tier}` : ""}`
              : "none"}
          </dd>
          <dt>Server</dt>
          <dd data-testid="base-url">{s.base_url ?? "—"}</dd>
          <dt>Last sync</dt>
          <dd data-testid="last-sync">{when(s.last_sync_at)}</dd>
          <dt>Unsynced rows</dt>
          <dd data-testid="unsynced">{n(s.unsynced_rows)}</dd>
          <dt>Last reconcile</dt>
          <dd data-testid="last-reconcile">{when(s.last_reconcile_at)}</dd>
          <dt>Last error</dt>
          <dd data-testid="last-error" class={s.last_error ? "bad" : ""}>
            {s.last_error ?? "none"}
          </dd>
          <dt>Privacy preset</dt>
          <dd data-testid="privacy">
            {s.privacy_preset}
            {s.bodies_enabled ? " · bodies enabled" : " · no bodies"}
          </dd>
          {marks.length
            ? (
              <>
                <dt>Never sent</dt>
                <dd data-testid="row-marks">
                  {marks.map(([k, v]) => `${k}: ${n(v)}`).join(", ")}
                </dd>
              </>
            )
            : null}
          {s.machine_id
            ? (
              <>
                <dt>Machine</dt>
                <dd>{`${s.hostname ?? ""} ${s.machine_id}`.trim()}</dd>
              </>
            )
            : null}
        </dl>
      </div>
      {unpaired || s.pairing
        ? (
          <div class="card" data-testid="connect-card">
            <h2>{unpaired ? "Connect to a workspace" : "Pairing"}</h2>
            {unpaired
              ? (
                <>
                  <p class="muted" id="connect-nojs" data-testid="connect-cli">
                    Run <Cmd c="halton-meter cloud connect" />{" "}
                    in a terminal, or use the button below (it needs JavaScript).
                  </p>
                  <form id="connect-form" class="filters" hidden>
                    <label>
                      Server base URL (optional)
                      <input
                        name="base_url"
                        id="base-url"
                        type="url"
                        size={40}
                        placeholder={s.base_url ?? "https://…"}
                      />
                    </label>
                    <button type="submit" id="connect">Connect</button>
                  </form>
                  <div id="connect-error" data-testid="connect-error" class="bad" hidden></div>
                </>
              )
              : null}
            <PairingBox p={s.pairing} />
          </div>
        )
        : null}
      <script src="/assets/cloud.js" defer></script>
    </Layout>
  );
}
