/**
 * @module Cloud sync queries: the pairing row (`cloud_state`), outbox draining, row and body marks,
 * and daemon totals for reconciliation. The only SQL the cloud worker and CLI run.
 */
import { fromDb, ROW_COLUMNS, type Store, type StoredRow } from "./store.ts";

/** Why the worker is paused. */
export type PausedReason = "paused_manual" | "paused_unauthorised" | "paused_forbidden";

/** The persisted pairing and worker state (one row). */
export interface CloudStateRow {
  api_key_ciphertext: string;
  base_url: string;
  workspace_id: string;
  workspace_slug: string | null;
  workspace_name: string | null;
  workspace_tier: string | null;
  machine_id: string;
  hostname: string;
  paired_at: string;
  state: string;
  paused_reason: PausedReason | null;
  consecutive_failures: number;
  last_sync_at: string | null;
  last_reconcile_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  updated_at: string;
}

/** What pairing writes. */
export type NewPairing = Pick<
  CloudStateRow,
  | "api_key_ciphertext"
  | "base_url"
  | "workspace_id"
  | "workspace_slug"
  | "workspace_name"
  | "workspace_tier"
  | "machine_id"
  | "hostname"
>;

const now = (): string => new Date().toISOString();

/** Reads the pairing row, or null when not paired. */
export function getCloudState(store: Store): CloudStateRow | null {
  const r = store.db.prepare("SELECT * FROM cloud_state WHERE id = 1").get() as
    | Record<string, unknown>
    | undefined;
  if (!r) return null;
  const out: Record<string, unknown> = { ...r };
  delete out.id;
  out.consecutive_failures = Number(r.consecutive_failures ?? 0);
  return out as unknown as CloudStateRow;
}

/** Replaces the pairing row (a fresh pairing: not paused, no errors). */
export function savePairing(store: Store, p: NewPairing, at: string = now()): void {
  store.db.prepare(
    `INSERT OR REPLACE INTO cloud_state (id, api_key_ciphertext, base_url, workspace_id, workspace_slug,
       workspace_name, workspace_tier, machine_id, hostname, paired_at, state, paused_reason,
       consecutive_failures, last_sync_at, last_reconcile_at, last_error, last_error_at, updated_at)
     VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ACTIVE', NULL, 0, NULL, NULL, NULL, NULL, ?)`,
  ).run(
    p.api_key_ciphertext,
    p.base_url,
    p.workspace_id,
    p.workspace_slug,
    p.workspace_name,
    p.workspace_tier,
    p.machine_id,
    p.hostname,
    at,
    at,
  );
}

/** Deletes the pairing row. */
export function clearCloudState(store: Store): void {
  store.db.exec("DELETE FROM cloud_state");
}

/** Fields the worker and CLI may update on the pairing row. */
export type CloudStatePatch = Partial<
  Pick<
    CloudStateRow,
    | "state"
    | "paused_reason"
    | "consecutive_failures"
    | "last_sync_at"
    | "last_reconcile_at"
    | "last_error"
    | "last_error_at"
    | "base_url"
  >
>;

/** Updates some fields of the pairing row; false when not paired. */
export function patchCloudState(store: Store, patch: CloudStatePatch, at: string = now()): boolean {
  const keys = Object.keys(patch) as (keyof CloudStatePatch)[];
  const sets = keys.map((k) => `${k} = ?`).concat("updated_at = ?");
  const vals = keys.map((k) => (patch[k] ?? null) as string | number | null);
  const res = store.db.prepare(`UPDATE cloud_state SET ${sets.join(", ")} WHERE id = 1`).run(
    ...vals,
    at,
  );
  return Number(res.changes) > 0;
}

/** One outbox entry joined to its row (row null when the row vanished). */
export interface OutboxEntry {
  seq: number;
  request_id: string;
  row: StoredRow | null;
}

/**
 * The oldest `limit` outbox entries, oldest first. `columns` limits what is read from `requests`
 * (the privacy allow-list plus what the worker decides on); all columns when omitted.
 */
export function readOutbox(
  store: Store,
  limit: number,
  columns?: readonly string[],
): OutboxEntry[] {
  const cols = columns
    ? columns.filter((c) => ROW_COLUMNS.includes(c as keyof StoredRow)).map((c) => `r.${c}`).join(
      ", ",
    )
    : "r.*";
  const raws = store.db.prepare(
    `SELECT o.seq AS _seq, o.request_id AS _rid, r.request_id AS _found, ${cols}
       FROM outbox o LEFT JOIN requests r ON r.request_id = o.request_id
      ORDER BY o.seq LIMIT ?`,
  ).all(limit) as Record<string, unknown>[];
  return raws.map((r) => ({
    seq: Number(r._seq),
    request_id: String(r._rid),
    row: r._found == null ? null : columns ? partialRow(r, columns) : fromDb(r),
  }));
}

const BOOLS = new Set(["stream", "batch", "billable", "priced"]);

/** A row with only some columns read; the others are left undefined (never sent). */
function partialRow(raw: Record<string, unknown>, columns: readonly string[]): StoredRow {
  const row: Record<string, unknown> = {};
  for (const c of columns) {
    const v = raw[c];
    row[c] = BOOLS.has(c)
      ? v === 1 || v === 1n || v === true
      : typeof v === "bigint"
      ? Number(v)
      : v ?? null;
  }
  return row as unknown as StoredRow;
}

/** Removes a whole read batch (seq range) from the outbox: every entry of it was settled. */
export function settleOutboxRange(
  store: Store,
  firstSeq: number,
  lastSeq: number,
  marked: { request_id: string; status: string; detail: string | null }[] = [],
  at: string = now(),
  statePatch?: CloudStatePatch,
): void {
  const mark = store.db.prepare(
    "INSERT OR REPLACE INTO cloud_row_marks (request_id, status, detail, marked_at) VALUES (?, ?, ?, ?)",
  );
  store.db.exec("BEGIN IMMEDIATE");
  try {
    store.db.prepare("DELETE FROM outbox WHERE seq >= ? AND seq <= ?").run(firstSeq, lastSeq);
    for (const m of marked) mark.run(m.request_id, m.status, m.detail, at);
    if (statePatch) patchCloudState(store, statePatch, at);
    store.db.exec("COMMIT");
  } catch (e) {
    store.db.exec("ROLLBACK");
    throw e;
  }
}

/** The highest outbox sequence ever issued (grows whenever capture writes a row). */
export function outboxHighWater(store: Store): number {
  const r = store.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as
    | { seq: number }
    | undefined;
  return Number(r?.seq ?? 0);
}

/** Rows waiting in the outbox. */
export function outboxCount(store: Store): number {
  const r = store.db.prepare("SELECT count(*) AS n FROM outbox").get() as { n: number };
  return Number(r.n);
}

/**
 * Settles a drained batch in one transaction: removes `done` ids (accepted or duplicate) from the
 * outbox, and moves `marked` ids out of the outbox with a mark saying why they are not sent.
 */
export function settleOutbox(
  store: Store,
  done: string[],
  marked: { request_id: string; status: string; detail: string | null }[] = [],
  at: string = now(),
): void {
  if (done.length === 0 && marked.length === 0) return;
  const del = store.db.prepare("DELETE FROM outbox WHERE request_id = ?");
  const mark = store.db.prepare(
    "INSERT OR REPLACE INTO cloud_row_marks (request_id, status, detail, marked_at) VALUES (?, ?, ?, ?)",
  );
  store.db.exec("BEGIN IMMEDIATE");
  try {
    for (const id of done) del.run(id);
    for (const m of marked) {
      del.run(m.request_id);
      mark.run(m.request_id, m.status, m.detail, at);
    }
    store.db.exec("COMMIT");
  } catch (e) {
    store.db.exec("ROLLBACK");
    throw e;
  }
}

/** Count of row marks by status. */
export function rowMarkCounts(store: Store): Record<string, number> {
  const rows = store.db.prepare(
    "SELECT status, count(*) AS n FROM cloud_row_marks GROUP BY status",
  ).all() as { status: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** A body waiting to be uploaded. */
export interface BodyCandidate {
  request_id: string;
  direction: "request" | "response";
  project_id: string | null;
  content: Uint8Array;
  truncated: boolean;
}

/**
 * Bodies of rows already synced (out of the outbox and not marked) that have no body mark yet,
 * oldest first. `afterRowid` pages through them within one pass.
 */
export function readBodyCandidates(store: Store, limit: number): BodyCandidate[] {
  const raws = store.db.prepare(
    `SELECT b.request_id, b.direction, b.content, b.truncated, r.project_id
       FROM request_bodies b
       JOIN requests r ON r.request_id = b.request_id
       LEFT JOIN outbox o ON o.request_id = b.request_id
       LEFT JOIN cloud_row_marks rm ON rm.request_id = b.request_id
       LEFT JOIN cloud_body_marks bm ON bm.request_id = b.request_id AND bm.direction = b.direction
      WHERE o.request_id IS NULL AND rm.request_id IS NULL AND bm.request_id IS NULL
      ORDER BY r.timestamp, b.request_id, b.direction
      LIMIT ?`,
  ).all(limit) as Record<string, unknown>[];
  return raws.map((r) => ({
    request_id: String(r.request_id),
    direction: r.direction as "request" | "response",
    project_id: (r.project_id as string | null) ?? null,
    content: (r.content as Uint8Array | null) ?? new Uint8Array(),
    truncated: Number(r.truncated) === 1,
  }));
}

/** Marks one body as settled (uploaded or skipped for good). */
export function markBody(
  store: Store,
  request_id: string,
  direction: string,
  status: string,
  detail: string | null = null,
  at: string = now(),
): void {
  store.db.prepare(
    "INSERT OR REPLACE INTO cloud_body_marks (request_id, direction, status, detail, marked_at) VALUES (?, ?, ?, ?, ?)",
  ).run(request_id, direction, status, detail, at);
}

/** Count of body marks by status. */
export function bodyMarkCounts(store: Store): Record<string, number> {
  const rows = store.db.prepare(
    "SELECT status, count(*) AS n FROM cloud_body_marks GROUP BY status",
  ).all() as { status: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** One day's totals for one provider and model. */
export interface DaemonTotal {
  date: string;
  provider: string;
  model: string | null;
  cost_usd_millicents: number;
  rows: number;
}

/**
 * Local totals per UTC day, provider and model for rows with timestamp ≥ since, keeping only
 * projects `includeProject` accepts and leaving out non-LLM rows (the rows the server can hold).
 */
export function daemonTotals(
  store: Store,
  since: string,
  includeProject: (project: string | null) => boolean,
): DaemonTotal[] {
  const raws = store.db.prepare(
    `SELECT substr(timestamp, 1, 10) AS date, provider, model, project_id,
            coalesce(sum(cost_usd_millicents), 0) AS cost, count(*) AS n
       FROM requests
      WHERE timestamp >= ? AND provider IS NOT NULL
      GROUP BY 1, 2, 3, 4`,
  ).all(since) as Record<string, unknown>[];
  const acc = new Map<string, DaemonTotal>();
  for (const r of raws) {
    if (!includeProject((r.project_id as string | null) ?? null)) continue;
    const model = (r.model as string | null) ?? null;
    const k = JSON.stringify([r.date, r.provider, model]);
    const t = acc.get(k) ??
      {
        date: String(r.date),
        provider: String(r.provider),
        model,
        cost_usd_millicents: 0,
        rows: 0,
      };
    t.cost_usd_millicents += Number(r.cost);
    t.rows += Number(r.n);
    acc.set(k, t);
  }
  return [...acc.values()].sort((a, b) =>
    a.date.localeCompare(b.date) || a.provider.localeCompare(b.provider) ||
    (a.model ?? "").localeCompare(b.model ?? "")
  );
}
