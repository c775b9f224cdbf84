/**
 * @module `halton-meter cloud …` and the top-level `halton-meter sync`.
 *
 * Where each command acts: `connect` asks the running daemon to pair (it polls and writes the
 * files, so the dashboard and CLI share one path) and `status` asks the daemon for the live worker
 * state (falling back to SQLite when it is down); `sync` drains through the daemon when it runs
 * (so only one process sends), else in-process. `disconnect`, `whoami`, `pause`, `resume`,
 * `reconcile` and `privacy` act on SQLite and the files directly, then wake the daemon if it runs.
 *
 * Exit codes: 0 ok, 1 failure, 2 daemon not running, 3 not paired, 4 token rejected (401),
 * 5 device removed (403).
 */
import type { Command } from "commander";
import { type Config, loadConfig, parseConfig } from "../config.ts";
import { type HomePaths, homePaths } from "../home.ts";
import { nullLogger } from "../log.ts";
import { connectDaemon, type DaemonClient, requireDaemon } from "../local_api/client.ts";
import { Store } from "../store/store.ts";
import {
  clearCloudState,
  type CloudStateRow,
  getCloudState,
  patchCloudState,
} from "../store/cloud.ts";
import { VERSION } from "../version.ts";
import { CloudPairing, CloudStatus } from "../../shared/schemas/cloud_status.ts";
import { type ApiFailure, CloudClient, describeFailure } from "../cloud/client.ts";
import {
  fernetDecrypt,
  readCloudKey,
  readCredentials,
  removeCloudFiles,
} from "../cloud/credentials.ts";
import { editConfigFile, type TomlEdit } from "../cloud/config_edit.ts";
import { checkFieldOverride, compilePolicy, PRESETS } from "../cloud/privacy.ts";
import { computeStatus, notConfiguredStatus, pairingIdentity } from "../cloud/status.ts";
import { resolveBaseUrl } from "../cloud/supervisor.ts";
import { type BatchOutcome, drainAll, SyncWorker } from "../cloud/worker.ts";
import { reconcile } from "../cloud/reconcile.ts";
import { CliError, EXIT } from "./errors.ts";

function config(paths: HomePaths): Config {
  const r = loadConfig(paths.config);
  if (!r.ok) throw new CliError(r.error);
  return r.value;
}

function dbExists(paths: HomePaths): boolean {
  try {
    return Deno.statSync(paths.db).isFile;
  } catch {
    return false;
  }
}

async function withStore<T>(paths: HomePaths, f: (s: Store) => Promise<T> | T): Promise<T> {
  const store = Store.open(paths.db);
  try {
    return await f(store);
  } finally {
    store.close();
  }
}

const notPaired = () =>
  new CliError(
    "not paired with a cloud workspace; run `halton-meter cloud connect`",
    EXIT.notPaired,
  );

function paired(store: Store): CloudStateRow {
  const st = getCloudState(store);
  if (!st) throw notPaired();
  return st;
}

/** A client with the stored token (Fernet copy in SQLite, else the credentials file). */
async function storedClient(paths: HomePaths, st: CloudStateRow): Promise<CloudClient> {
  let token: string | null = null;
  const key = await readCloudKey(paths);
  if (key) {
    const t = fernetDecrypt(key, st.api_key_ciphertext);
    if (t.ok) token = t.value;
  }
  token ??= (await readCredentials(paths))?.token ?? null;
  if (!token) {
    throw new CliError(
      `cannot read the stored API key (${paths.cloudKey} or ${paths.cloudCredentials} missing or altered); run \`halton-meter cloud disconnect\`, then \`halton-meter cloud connect\``,
    );
  }
  return new CloudClient({ baseUrl: st.base_url, token, userAgent: `halton-meter/${VERSION}` });
}

/** Maps a 401/403 to exit 4/5 with what to do; anything else to exit 1. */
function apiError(what: string, f: ApiFailure): CliError {
  if (f.kind === "http" && f.status === 401) {
    return new CliError(
      `${what}: the token was rejected (401 ${
        f.code ?? ""
      }): it was revoked or is invalid; run \`halton-meter cloud disconnect\`, then \`halton-meter cloud connect\` to pair again (or \`halton-meter cloud resume\` once it is valid)`
        .replace(" )", ")"),
      EXIT.tokenRejected,
    );
  }
  if (f.kind === "http" && f.status === 403) {
    return new CliError(
      `${what}: this device was suspended or removed from the workspace (403 ${
        f.code ?? ""
      }); a workspace owner or admin must reactivate or re-invite it, then run \`halton-meter cloud resume\``
        .replace(" )", ")"),
      EXIT.deviceRemoved,
    );
  }
  return new CliError(`${what}: ${describeFailure(f)}`);
}

async function wakeDaemon(paths: HomePaths): Promise<void> {
  const d = await connectDaemon(paths);
  if (!d) return;
  await d.fetch("/v1/cloud/wake", { method: "POST", json: {} }).then((r) => r.body?.cancel()).catch(
    () => {},
  );
}

async function daemonJson(
  d: DaemonClient,
  path: string,
  json?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await d.fetch(path, json === undefined ? {} : { method: "POST", json });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch { /* keep null */ }
  return { status: res.status, body };
}

function errorMessage(body: unknown, fallback: string): string {
  const e = (body as { error?: { message?: unknown } } | null)?.error;
  return typeof e?.message === "string" ? e.message : fallback;
}

/** The status, live from the daemon when it runs, else from disk. */
export async function readStatus(paths: HomePaths): Promise<CloudStatus> {
  const d = await connectDaemon(paths);
  if (d) {
    const r = await daemonJson(d, "/v1/cloud/state").catch(() => null);
    const parsed = r && r.status === 200 ? CloudStatus.safeParse(r.body) : null;
    if (parsed?.success) return parsed.data;
  }
  const cfg = config(paths);
  if (!dbExists(paths)) {
    return notConfiguredStatus(cfg.cloud, {
      unsynced_rows: 0,
      daemon_running: false,
      privacy_preset: cfg.cloud.privacy.preset,
      bodies_enabled: cfg.cloud.bodies.enabled,
      row_marks: {},
      pairing: null,
    });
  }
  return await withStore(paths, (s) => computeStatus(s, cfg.cloud, null));
}

/** Human lines for a status. */
export function formatCloudStatus(s: CloudStatus): string[] {
  const lines = [`state              ${s.state}${s.paused_reason ? ` (${s.paused_reason})` : ""}`];
  if (s.workspace) {
    lines.push(
      `workspace          ${s.workspace.name ?? ""} (${s.workspace.slug ?? s.workspace.id})`,
    );
    lines.push(`base url           ${s.base_url}`);
  }
  lines.push(
    `last sync          ${s.last_sync_at ?? "never"}`,
    `unsynced rows      ${s.unsynced_rows}`,
    `last reconcile     ${s.last_reconcile_at ?? "never"}`,
    `last error         ${s.last_error ?? "none"}`,
    `privacy preset     ${s.privacy_preset}${s.bodies_enabled ? " (bodies on)" : ""}`,
  );
  if (!s.daemon_running) lines.push("daemon             not running (state read from disk)");
  if (s.paused_reason === "paused_manual") {
    lines.push("hint               run `halton-meter cloud resume` to sync again");
  }
  if (s.paused_reason === "paused_unauthorised" || s.paused_reason === "paused_forbidden") {
    lines.push(
      "hint               run `halton-meter cloud resume` once the device is allowed again",
    );
  }
  return lines;
}

function formatBatch(o: BatchOutcome): string | null {
  if (o.kind !== "sent") return null;
  let line = `POST /v1/requests/batch → 200 OK (${o.accepted} rows accepted)`;
  const extra = [
    o.duplicates ? `${o.duplicates} duplicates` : "",
    o.rejected ? `${o.rejected} rejected` : "",
    o.skipped ? `${o.skipped} kept local by privacy settings` : "",
  ].filter(Boolean);
  if (extra.length) line += `; ${extra.join(", ")}`;
  return line;
}

/** Prints a sync's batches; throws the right exit code on a failure. */
function reportSync(batches: BatchOutcome[]): void {
  let sent = 0;
  for (const b of batches) {
    const line = formatBatch(b);
    if (line) (console.log(line), sent++);
  }
  const last = batches[batches.length - 1];
  if (last?.kind === "failed" && last.failure) {
    throw apiError("POST /v1/requests/batch failed", last.failure);
  }
  if (last?.kind === "paused") {
    throw new CliError("sync is paused; run `halton-meter cloud status` to see why");
  }
  if (sent === 0) console.log("POST /v1/requests/batch: nothing to send (0 unsynced rows)");
}

const SPIN = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

function openBrowser(url: string): void {
  const cmd = Deno.build.os === "darwin"
    ? ["open", url]
    : Deno.build.os === "windows"
    ? ["cmd", "/c", "start", "", url]
    : ["xdg-open", url];
  try {
    const p = new Deno.Command(cmd[0], { args: cmd.slice(1), stdout: "null", stderr: "null" })
      .spawn();
    p.status.catch(() => {});
  } catch { /* no browser: the URL is printed */ }
}

async function connect(opts: {
  baseUrl?: string;
  pollIntervalSeconds: string;
  timeoutSeconds: string;
  browser: boolean;
}): Promise<void> {
  const paths = homePaths();
  const cfg = config(paths);
  const d = await requireDaemon(paths);
  const poll = Number(opts.pollIntervalSeconds);
  const timeout = Number(opts.timeoutSeconds);
  if (!(poll > 0 && poll <= 60)) {
    throw new CliError("--poll-interval-seconds must be between 0 and 60");
  }
  if (!(timeout > 0 && timeout <= 3600)) {
    throw new CliError("--timeout-seconds must be between 0 and 3600");
  }
  if (opts.baseUrl !== undefined) {
    try {
      const u = new URL(opts.baseUrl);
      if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error("not http(s)");
    } catch {
      throw new CliError(`--base-url must be an http(s) URL, got "${opts.baseUrl}"`);
    }
    const r = await editConfigFile(paths.config, [{
      table: ["cloud"],
      key: "base_url",
      value: opts.baseUrl.replace(/\/+$/, ""),
    }]);
    if (!r.ok) throw new CliError(r.error);
  }
  const base_url = resolveBaseUrl(opts.baseUrl, cfg.cloud);
  const started = await daemonJson(d, "/v1/cloud/connect", {
    base_url,
    poll_interval_seconds: poll,
    timeout_seconds: timeout,
  });
  if (started.status !== 201) {
    throw new CliError(
      errorMessage(started.body, `the daemon answered ${started.status} to POST /v1/cloud/connect`),
    );
  }
  const p = CloudPairing.parse(started.body);
  console.log(`Pairing with ${base_url}`);
  console.log(`Code:    ${p.code}`);
  console.log(`Approve: ${p.approve_url}`);
  const tty = Deno.stdout.isTerminal();
  if (opts.browser && tty && p.approve_url) openBrowser(p.approve_url);

  let interrupted = false;
  const onInt = () => (interrupted = true);
  try {
    Deno.addSignalListener("SIGINT", onInt);
  } catch { /* signals unsupported */ }
  const enc = new TextEncoder();
  let frame = 0;
  const deadline = Date.now() + (timeout + 10) * 1000;
  try {
    for (;;) {
      if (interrupted || Date.now() > deadline) {
        await daemonJson(d, "/v1/cloud/connect/cancel", {}).catch(() => null);
        if (tty) Deno.stdout.writeSync(enc.encode("\r\x1b[K"));
        throw new CliError(
          interrupted
            ? "pairing cancelled"
            : "pairing timed out; run `halton-meter cloud connect` again",
        );
      }
      if (tty) {
        Deno.stdout.writeSync(enc.encode(`\r${SPIN[frame++ % SPIN.length]} waiting for approval…`));
      }
      await new Promise((r) => setTimeout(r, Math.min(poll * 1000, 500)));
      const s = await daemonJson(d, "/v1/cloud/state").catch(() => null);
      const st = s ? CloudStatus.safeParse(s.body) : null;
      const pr = st?.success ? st.data.pairing : null;
      if (pr && pr.code !== p.code) {
        if (tty) Deno.stdout.writeSync(enc.encode("\r\x1b[K"));
        throw new CliError("pairing was cancelled (another `cloud connect` replaced it)");
      }
      if (!pr || pr.status === "pending") continue;
      if (tty) Deno.stdout.writeSync(enc.encode("\r\x1b[K"));
      if (pr.status === "approved") {
        const ws = st!.success ? st!.data.workspace : null;
        console.log(
          `Connected to workspace "${pr.workspace_name ?? ws?.name}"${
            ws?.slug ? ` (${ws.slug})` : ""
          }; sync starts within 15 s.`,
        );
        return;
      }
      if (pr.status === "denied") throw new CliError("pairing was denied in the workspace");
      if (pr.status === "expired") {
        throw new CliError(
          "the code expired before it was approved; run `halton-meter cloud connect` again",
        );
      }
      if (pr.status === "cancelled") {
        throw new CliError("pairing was cancelled (another `cloud connect` replaced it)");
      }
      throw new CliError(`pairing failed: ${pr.error ?? "unknown error"}`);
    }
  } finally {
    try {
      Deno.removeSignalListener("SIGINT", onInt);
    } catch { /* ignore */ }
  }
}

async function disconnect(): Promise<void> {
  const paths = homePaths();
  const st = dbExists(paths) ? await withStore(paths, (s) => getCloudState(s)) : null;
  const creds = await readCredentials(paths);
  if (!st && !creds) throw notPaired();
  let revoked = "";
  try {
    const client = st
      ? await storedClient(paths, st)
      : new CloudClient({ baseUrl: creds!.base_url, token: creds!.token });
    const r = await client.disconnect();
    if (r.ok) revoked = "the token was revoked on the server";
    else if (r.error.kind === "http" && r.error.status === 401) {
      revoked = "the token was already invalid on the server";
    } else revoked = `the token could not be revoked (${describeFailure(r.error)})`;
  } catch (e) {
    revoked = `the token could not be revoked (${(e as Error).message})`;
  }
  await removeCloudFiles(paths);
  const r = await editConfigFile(paths.config, [{
    table: ["cloud"],
    key: "enabled",
    value: false,
  }]);
  if (dbExists(paths)) await withStore(paths, (s) => clearCloudState(s));
  await wakeDaemon(paths);
  console.log(`Disconnected: ${revoked}; local credentials removed.`);
  if (!r.ok) throw new CliError(`credentials removed, but ${r.error}`);
}

async function sync(): Promise<void> {
  const paths = homePaths();
  const cfg = config(paths);
  const st = await withStore(paths, paired);
  if (st.paused_reason === "paused_manual") {
    throw new CliError("sync is paused; run `halton-meter cloud resume` first");
  }
  if (st.paused_reason === "paused_unauthorised") {
    throw new CliError(
      "sync is paused: the token was rejected (401); run `halton-meter cloud resume`",
      EXIT.tokenRejected,
    );
  }
  if (st.paused_reason === "paused_forbidden") {
    throw new CliError(
      "sync is paused: this device was removed from the workspace (403); the owner re-invites it, then run `halton-meter cloud resume`",
      EXIT.deviceRemoved,
    );
  }
  const d = await connectDaemon(paths);
  if (d) {
    const r = await daemonJson(d, "/v1/cloud/sync", {});
    if (r.status !== 200) {
      throw new CliError(
        errorMessage(r.body, `the daemon answered ${r.status} to POST /v1/cloud/sync`),
      );
    }
    return reportSync((r.body as { batches: BatchOutcome[] }).batches);
  }
  const client = await storedClient(paths, st);
  await withStore(paths, async (store) => {
    const policy = compilePolicy(cfg.cloud);
    const worker = new SyncWorker({
      store,
      client: () => client,
      policy: () => policy,
      bodyIntervalMs: () => cfg.cloud.bodies.sync_interval_seconds * 1000,
      logger: nullLogger,
    });
    reportSync(await drainAll(worker));
    if (policy.bodiesEnabled) await worker.uploadBodies(10_000);
  });
}

async function resume(): Promise<void> {
  const paths = homePaths();
  await withStore(paths, async (store) => {
    const st = paired(store);
    if (!st.paused_reason) {
      console.log("Not paused; sync is running.");
      return;
    }
    if (st.paused_reason === "paused_manual") {
      patchCloudState(store, { paused_reason: null });
      console.log("Resumed.");
      return;
    }
    const client = await storedClient(paths, st);
    const r = await client.whoami();
    if (!r.ok) throw apiError("GET /v1/daemon/whoami failed; still paused", r.error);
    patchCloudState(store, {
      paused_reason: null,
      consecutive_failures: 0,
      last_error: null,
      last_error_at: null,
    });
    console.log(
      `Resumed: the token is accepted by workspace "${r.value.workspace.name}" (device ${r.value.device_status}).`,
    );
  });
  await wakeDaemon(paths);
}

async function pause(): Promise<void> {
  const paths = homePaths();
  await withStore(paths, (store) => {
    const st = paired(store);
    if (st.paused_reason) {
      console.log(`Already paused (${st.paused_reason}).`);
      return;
    }
    patchCloudState(store, { paused_reason: "paused_manual" });
    console.log(
      "Paused: rows are still captured and wait locally; `halton-meter cloud resume` sends them.",
    );
  });
  await wakeDaemon(paths);
}

function parseBool(target: string, v: string): boolean {
  if (v === "true") return true;
  if (v === "false") return false;
  throw new CliError(`${target} takes true or false, got "${v}"`);
}

/** The config edits for `privacy set <target> <value> [--project]`. */
export function privacyEdits(target: string, value: string, project?: string): TomlEdit[] {
  if (target === "preset") {
    if (!(PRESETS as readonly string[]).includes(value)) {
      throw new CliError(`preset must be one of ${PRESETS.join(", ")}, got "${value}"`);
    }
    if (project) throw new CliError("preset applies to every project; drop --project");
    return [{ table: ["cloud", "privacy"], key: "preset", value }];
  }
  if (target.startsWith("field.")) {
    const name = target.slice("field.".length);
    const on = parseBool(target, value);
    const c = checkFieldOverride(name, on);
    if (!c.ok) throw new CliError(c.error);
    if (project) throw new CliError("field overrides apply to every project; drop --project");
    return [{ table: ["cloud", "privacy", "fields"], key: name, value: on }];
  }
  if (target === "upload") {
    const on = parseBool(target, value);
    return project
      ? [{ table: ["cloud", "projects", project], key: "upload", value: on }]
      : [{ table: ["cloud"], key: "upload", value: on }];
  }
  if (target === "bodies.enabled") {
    if (project) {
      throw new CliError("bodies.enabled is the global switch; use bodies.upload with --project");
    }
    return [{ table: ["cloud", "bodies"], key: "enabled", value: parseBool(target, value) }];
  }
  if (target === "bodies.upload") {
    const on = parseBool(target, value);
    return project
      ? [{ table: ["cloud", "projects", project], key: "bodies_upload", value: on }]
      : [{ table: ["cloud", "bodies"], key: "enabled", value: on }];
  }
  throw new CliError(
    `unknown privacy target "${target}"; use preset, field.<name>, upload, bodies.enabled or bodies.upload`,
  );
}

/** Human lines for `privacy show`. */
export function formatPrivacy(cloud: Config["cloud"]): string[] {
  const p = compilePolicy(cloud);
  const lines = [
    `preset            ${p.preset}`,
    `fields sent       ${p.fields.join(", ")}`,
  ];
  const overrides = Object.entries(cloud.privacy.fields);
  if (overrides.length) {
    lines.push(`field overrides   ${overrides.map(([k, v]) => `${k}=${v}`).join(", ")}`);
  }
  lines.push(`upload            ${p.uploadAll}`);
  lines.push(
    `bodies            ${
      cloud.bodies.enabled ? "enabled" : "disabled"
    } (every ${cloud.bodies.sync_interval_seconds}s, at most ${cloud.bodies.max_body_bytes_per_upload} bytes each)`,
  );
  for (const [slug, v] of Object.entries(cloud.projects)) {
    const parts = [
      v.upload !== undefined ? `upload=${v.upload}` : "",
      v.bodies_upload !== undefined ? `bodies.upload=${v.bodies_upload}` : "",
    ];
    lines.push(`project ${slug}  ${parts.filter(Boolean).join(" ")}`);
  }
  return lines;
}

/** Registers `cloud …` and the top-level `sync`. */
export function register(program: Command): void {
  const cloud = program.command("cloud").description(
    "pair with a cloud workspace and sync a privacy-redacted copy of your rows",
  );

  cloud.command("connect")
    .description("pair this machine with a workspace (needs the daemon running)")
    .option("--base-url <url>", "cloud URL (persisted to config.toml)")
    .option("--poll-interval-seconds <s>", "seconds between approval checks", "2.0")
    .option("--timeout-seconds <s>", "give up after this many seconds", "600")
    .option("--no-browser", "do not open the approve URL in a browser")
    .action(connect);

  cloud.command("disconnect").description("revoke the token, remove credentials, stop syncing")
    .action(disconnect);

  cloud.command("status")
    .description("ACTIVE, DEGRADED, PAUSED or NOT-CONFIGURED, with backlog and last error")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const s = await readStatus(homePaths());
      if (opts.json) console.log(JSON.stringify(s, null, 2));
      else for (const l of formatCloudStatus(s)) console.log(l);
    });

  cloud.command("whoami")
    .description("workspace, machine id, hostname and base URL of this pairing")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const paths = homePaths();
      if (!dbExists(paths)) throw notPaired();
      const st = await withStore(paths, paired);
      const out = pairingIdentity(st);
      if (opts.json) console.log(JSON.stringify(out, null, 2));
      else {
        console.log(
          `workspace  ${st.workspace_name ?? ""} (${st.workspace_slug ?? st.workspace_id}, ${
            st.workspace_tier ?? "?"
          })`,
        );
        console.log(`machine    ${st.machine_id}`);
        console.log(`hostname   ${st.hostname}`);
        console.log(`base url   ${st.base_url}`);
      }
    });

  cloud.command("sync").description("one drain pass of the outbox, then exit").action(sync);
  program.command("sync").description("one cloud sync pass (same as `cloud sync`)").action(sync);

  cloud.command("reconcile")
    .description("re-cost local rows with the current prices and push daemon totals")
    .option("--days <n>", "days back to reconcile", "1")
    .action(async (opts: { days: string }) => {
      const days = Number(opts.days);
      if (!(Number.isInteger(days) && days >= 1 && days <= 366)) {
        throw new CliError("--days must be a whole number from 1 to 366");
      }
      const paths = homePaths();
      const cfg = config(paths);
      await withStore(paths, async (store) => {
        const st = paired(store);
        const client = await storedClient(paths, st);
        const r = await reconcile(store, cfg, client, days);
        if (!r.ok) {
          throw typeof r.error === "string"
            ? new CliError(r.error)
            : apiError("POST /v1/reconciliation/daemon-totals failed", r.error);
        }
        console.log(`Re-priced ${r.value.rows} rows (${r.value.changed} changed).`);
        console.log(
          `POST /v1/reconciliation/daemon-totals → 200 OK (${r.value.upserted} day totals)`,
        );
      });
    });

  cloud.command("pause").description("stop syncing (rows keep queueing locally)").action(pause);
  cloud.command("resume").description(
    "sync again; after a 401/403 first checks the token with the server",
  ).action(resume);

  const privacy = cloud.command("privacy").description("what leaves this machine");
  privacy.command("show")
    .description("preset, fields sent, per-project and body settings")
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) => {
      const cfg = config(homePaths());
      if (opts.json) {
        const p = compilePolicy(cfg.cloud);
        console.log(
          JSON.stringify(
            {
              preset: p.preset,
              fields: p.fields,
              upload: p.uploadAll,
              projects: cfg.cloud.projects,
              bodies: cfg.cloud.bodies,
            },
            null,
            2,
          ),
        );
      } else for (const l of formatPrivacy(cfg.cloud)) console.log(l);
    });
  privacy.command("set <target> <value>")
    .description(
      "preset minimal|standard|full, field.<name> true|false, upload, bodies.enabled, bodies.upload",
    )
    .option("--project <slug>", "apply to one project (upload, bodies.upload)")
    .action(async (target: string, value: string, opts: { project?: string }) => {
      const paths = homePaths();
      const edits = privacyEdits(target, value, opts.project);
      const r = await editConfigFile(paths.config, edits, (text) => parseConfig(text));
      if (!r.ok) throw new CliError(r.error);
      await wakeDaemon(paths);
      console.log(`Set ${target}${opts.project ? ` for project ${opts.project}` : ""} = ${value}.`);
    });
}
