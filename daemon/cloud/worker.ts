/**
 * @module The sync worker: drains the outbox in batches of up to 500 to `POST /v1/requests/batch`,
 * uploads opted-in bodies on their own interval, and keeps the state machine
 * ACTIVE / DEGRADED / PAUSED. It never loses a row (outbox entries go only after a 200) and never
 * duplicates one (the server is idempotent per request_id). Time is injected: `step()` does one
 * unit of work and answers how long to wait, so tests drive it with a fake clock.
 */
import { type Logger, redact } from "../log.ts";
import type { Store } from "../store/store.ts";
import {
  type CloudStateRow,
  getCloudState,
  markBody,
  outboxCount,
  patchCloudState,
  type PausedReason,
  readBodyCandidates,
  readOutbox,
  settleOutbox,
  settleOutboxRange,
} from "../store/cloud.ts";
import { type ApiFailure, type CloudClient, describeFailure } from "./client.ts";
import { type PrivacyPolicy, toWireRow, validateWireRow } from "./privacy.ts";

/** The worker's live state (NOT-CONFIGURED when there is no pairing). */
export type WorkerState = "ACTIVE" | "DEGRADED" | "PAUSED" | "NOT-CONFIGURED";

/** A clock: milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

/** Largest batch the worker sends. */
export const MAX_BATCH = 500;
/** Backoff cap (5 minutes). */
export const BACKOFF_CAP_MS = 5 * 60_000;
/** First backoff step. */
export const BACKOFF_BASE_MS = 1_000;
/** Wait when there is nothing to do. */
export const IDLE_MS = 1_000;
/** Window over which backlog growth is judged. */
export const BACKLOG_WINDOW_MS = 60_000;

/** What the worker needs. */
export interface WorkerDeps {
  /** The worker's own connection to the database (never the capture writer's). */
  store: Store;
  /** A client for the current pairing (token decrypted), or null when it cannot be built. */
  client: (state: CloudStateRow) => CloudClient | null;
  policy: () => PrivacyPolicy;
  /** Body sync interval, in milliseconds. */
  bodyIntervalMs: () => number;
  logger: Logger;
  clock?: Clock;
  random?: () => number;
  batchSize?: number;
  /** Backoff cap (default 5 minutes; end-to-end tests shorten it). */
  backoffCapMs?: number;
}

/** The result of one batch attempt. */
export interface BatchOutcome {
  /** "empty": nothing to send; "sent": a 200; "failed": an error (see failure). */
  kind: "empty" | "sent" | "failed" | "paused" | "not_configured" | "local_only";
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  skipped: number;
  failure?: ApiFailure;
  /** Entries still in the outbox after this attempt (when known). */
  more: boolean;
}

/** Backoff before attempt `failures + 1`, full jitter over the upper half, capped. */
export function backoffMs(
  failures: number,
  random: () => number,
  retryAfterMs: number | null,
  cap: number = BACKOFF_CAP_MS,
): number {
  if (retryAfterMs !== null) return Math.min(Math.max(retryAfterMs, 0), cap);
  const exp = Math.min(cap, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.min(cap, Math.round(exp / 2 + random() * (exp / 2)));
}

const decoder = new TextDecoder();

/** The worker. */
export class SyncWorker {
  #d: WorkerDeps;
  #clock: Clock;
  #random: () => number;
  #batch: number;
  #state: WorkerState = "NOT-CONFIGURED";
  #nextAttemptAt = 0;
  #lastBodiesAt = -Infinity;
  #failures = 0;
  #samples: { at: number; backlog: number }[] = [];
  #lastSampleAt = -Infinity;
  #growing = false;

  constructor(deps: WorkerDeps) {
    this.#d = deps;
    this.#clock = deps.clock ?? { now: () => Date.now() };
    this.#random = deps.random ?? Math.random;
    this.#batch = Math.min(MAX_BATCH, deps.batchSize ?? MAX_BATCH);
  }

  /** The live state. */
  get state(): WorkerState {
    return this.#state;
  }

  /** When the next batch attempt is allowed (ms epoch; 0 = now). */
  get nextAttemptAt(): number {
    return this.#nextAttemptAt;
  }

  /** Forgets any backoff (after resume, or a manual sync). */
  wake(): void {
    this.#nextAttemptAt = 0;
    this.#lastBodiesAt = -Infinity;
  }

  #iso(): string {
    return new Date(this.#clock.now()).toISOString();
  }

  #setState(next: WorkerState, why: Record<string, unknown> = {}): void {
    if (next === this.#state) return;
    const prev = this.#state;
    this.#state = next;
    if (next !== "NOT-CONFIGURED") patchCloudState(this.#d.store, { state: next }, this.#iso());
    const log = next === "ACTIVE" ? this.#d.logger.info : this.#d.logger.warn;
    log(`cloud sync ${next}`, { from: prev, ...why });
  }

  #pause(reason: PausedReason, message: string): void {
    patchCloudState(this.#d.store, {
      paused_reason: reason,
      last_error: message,
      last_error_at: this.#iso(),
    }, this.#iso());
    this.#setState("PAUSED", { paused_reason: reason, error: message });
  }

  /** Reads the pairing and reconciles the in-memory state with it (pause/resume from the CLI). */
  #load(): CloudStateRow | null {
    const st = getCloudState(this.#d.store);
    if (!st) {
      this.#failures = 0;
      this.#setState("NOT-CONFIGURED");
      return null;
    }
    if (st.paused_reason) {
      this.#setState("PAUSED", { paused_reason: st.paused_reason });
      return st;
    }
    if (this.#state === "PAUSED" || this.#state === "NOT-CONFIGURED") {
      // Resumed (or freshly paired): start clean.
      this.#failures = st.consecutive_failures;
      this.#nextAttemptAt = 0;
      this.#samples = [];
      this.#growing = false;
      this.#setState(this.#failures > 0 ? "DEGRADED" : "ACTIVE");
    }
    return st;
  }

  #recompute(): void {
    if (this.#state === "PAUSED" || this.#state === "NOT-CONFIGURED") return;
    this.#setState(this.#failures > 0 || this.#growing ? "DEGRADED" : "ACTIVE", {
      consecutive_failures: this.#failures,
      backlog_growing: this.#growing,
    });
  }

  /** Samples the backlog at most once a second; growing = up across a full window. */
  #sampleBacklog(): void {
    const now = this.#clock.now();
    if (now - this.#lastSampleAt < 1000) return;
    this.#lastSampleAt = now;
    const backlog = outboxCount(this.#d.store);
    this.#samples.push({ at: now, backlog });
    while (this.#samples.length > 2 && now - this.#samples[1].at >= BACKLOG_WINDOW_MS) {
      this.#samples.shift();
    }
    const first = this.#samples[0];
    this.#growing = now - first.at >= BACKLOG_WINDOW_MS / 2 && backlog > first.backlog &&
      backlog > this.#batch;
  }

  #fail(f: ApiFailure): void {
    this.#failures++;
    const delay = backoffMs(
      this.#failures,
      this.#random,
      f.kind === "http" ? f.retryAfterMs : null,
      this.#d.backoffCapMs ?? BACKOFF_CAP_MS,
    );
    this.#nextAttemptAt = this.#clock.now() + delay;
    patchCloudState(this.#d.store, {
      consecutive_failures: this.#failures,
      last_error: describeFailure(f),
      last_error_at: this.#iso(),
    }, this.#iso());
    this.#recompute();
  }

  /** Handles an auth failure; true when it paused the worker. */
  #authFailure(f: ApiFailure): boolean {
    if (f.kind !== "http") return false;
    if (f.status === 401) {
      this.#pause(
        "paused_unauthorised",
        `token rejected (401 ${f.code ?? "unauthorised"}); run \`halton-meter cloud resume\``,
      );
      return true;
    }
    if (f.status === 403) {
      this.#pause(
        "paused_forbidden",
        `device removed from the workspace (403 ${
          f.code ?? "forbidden"
        }); the owner re-invites it, then run \`halton-meter cloud resume\``,
      );
      return true;
    }
    return false;
  }

  /** Sends one batch from the outbox (ignores backoff: callers decide when). */
  async drainBatch(signal?: AbortSignal): Promise<BatchOutcome> {
    const out: BatchOutcome = {
      kind: "empty",
      rows: 0,
      accepted: 0,
      duplicates: 0,
      rejected: 0,
      skipped: 0,
      more: false,
    };
    const st = this.#load();
    if (!st) return { ...out, kind: "not_configured" };
    if (st.paused_reason) return { ...out, kind: "paused" };
    const client = this.#d.client(st);
    if (!client) {
      this.#pause(
        "paused_unauthorised",
        "the stored API key cannot be decrypted; run `halton-meter cloud connect` again",
      );
      return { ...out, kind: "paused" };
    }
    const policy = this.#d.policy();
    const columns = [...new Set(["request_id", "provider", "project_id", ...policy.fields])];
    const entries = readOutbox(this.#d.store, this.#batch, columns);
    if (entries.length === 0) {
      this.#sampleBacklog();
      this.#recompute();
      return out;
    }
    out.more = entries.length === this.#batch;
    const marks: { request_id: string; status: string; detail: string | null }[] = [];
    const rows: Record<string, unknown>[] = [];
    const ids: string[] = [];
    for (const e of entries) {
      if (!e.row) {
        marks.push({
          request_id: e.request_id,
          status: "missing",
          detail: "row no longer in the store",
        });
        continue;
      }
      const w = toWireRow(e.row, policy);
      if ("skip" in w) {
        marks.push({ request_id: e.request_id, status: w.skip, detail: null });
        continue;
      }
      const v = validateWireRow(w.row);
      if (!v.ok) {
        marks.push({ request_id: e.request_id, status: "invalid", detail: v.error });
        continue;
      }
      rows.push(v.value);
      ids.push(e.request_id);
    }
    out.skipped = marks.length;
    if (rows.length === 0) {
      settleOutbox(this.#d.store, [], marks, this.#iso());
      return { ...out, kind: "local_only" };
    }
    out.rows = rows.length;
    const res = await client.postBatch(st.machine_id, rows, signal);
    if (!res.ok && signal?.aborted) {
      // Shutting down: the rows stay in the outbox; this is not a cloud failure.
      if (marks.length) settleOutbox(this.#d.store, [], marks, this.#iso());
      return { ...out, kind: "failed", failure: res.error };
    }
    if (!res.ok) {
      const f = res.error;
      if (!this.#authFailure(f)) {
        if (f.kind === "http" && (f.status === 413 || f.status === 422) && rows.length > 1) {
          // Too big or refused as a whole: send smaller batches next time (no backoff).
          this.#batch = Math.max(1, Math.floor(rows.length / 2));
          settleOutbox(this.#d.store, [], marks, this.#iso());
          return { ...out, kind: "failed", failure: f, more: true };
        }
        if (f.kind === "http" && (f.status === 413 || f.status === 422)) {
          marks.push({ request_id: ids[0], status: "rejected", detail: describeFailure(f) });
          settleOutbox(this.#d.store, [], marks, this.#iso());
          return { ...out, kind: "failed", rejected: 1, failure: f, more: true };
        }
        this.#fail(f);
      }
      if (marks.length) settleOutbox(this.#d.store, [], marks, this.#iso());
      return { ...out, kind: "failed", failure: f };
    }
    const rejected = new Map<string, string>();
    for (const r of res.value.rejected) if (r.request_id) rejected.set(r.request_id, r.error);
    for (const [id, error] of rejected) {
      marks.push({ request_id: id, status: "rejected", detail: error });
    }
    // Every entry of the batch is now settled (accepted, duplicate, rejected or marked); one
    // short write transaction, so the capture writer is never kept waiting long.
    const hadFailures = this.#failures > 0;
    this.#failures = 0;
    this.#nextAttemptAt = 0;
    settleOutboxRange(
      this.#d.store,
      entries[0].seq,
      entries[entries.length - 1].seq,
      marks,
      this.#iso(),
      {
        last_sync_at: this.#iso(),
        ...(hadFailures ? { consecutive_failures: 0, last_error: null, last_error_at: null } : {}),
      },
    );
    out.accepted = res.value.accepted;
    out.duplicates = res.value.duplicates;
    out.rejected = rejected.size;
    this.#sampleBacklog();
    this.#recompute();
    return { ...out, kind: "sent" };
  }

  /** Uploads due bodies (one pass, up to `limit`); returns how many were uploaded. */
  async uploadBodies(limit = 200): Promise<{ uploaded: number; skipped: number; pending: number }> {
    const res = { uploaded: 0, skipped: 0, pending: 0 };
    const st = this.#load();
    if (!st || st.paused_reason) return res;
    const policy = this.#d.policy();
    if (!policy.bodiesEnabled) return res;
    const client = this.#d.client(st);
    if (!client) return res;
    for (const b of readBodyCandidates(this.#d.store, limit)) {
      if (!policy.uploadBodies(b.project_id)) {
        // The global switch is on, so the project said no: skip for good.
        markBody(this.#d.store, b.request_id, b.direction, "skipped_project", null, this.#iso());
        res.skipped++;
        continue;
      }
      // Secret-looking values (API keys, bearer tokens) are replaced before upload.
      const original = decoder.decode(b.content);
      const content = redact(original) as string;
      const bytes = new TextEncoder().encode(content).length;
      if (bytes > policy.maxBodyBytes) {
        markBody(
          this.#d.store,
          b.request_id,
          b.direction,
          "skipped_cap",
          `${bytes} bytes > ${policy.maxBodyBytes}`,
          this.#iso(),
        );
        res.skipped++;
        continue;
      }
      const r = await client.postBody(b.request_id, {
        direction: b.direction,
        content,
        redaction_applied: content !== original,
      });
      if (r.ok) {
        markBody(this.#d.store, b.request_id, b.direction, "uploaded", null, this.#iso());
        res.uploaded++;
        continue;
      }
      const f = r.error;
      if (this.#authFailure(f)) return res;
      if (f.kind === "http" && f.status === 404) {
        res.pending++; // the server does not know the row yet: retry next interval
        continue;
      }
      if (f.kind === "http" && (f.status === 413 || f.status === 422)) {
        markBody(
          this.#d.store,
          b.request_id,
          b.direction,
          f.status === 413 ? "skipped_cap" : "rejected",
          describeFailure(f),
          this.#iso(),
        );
        res.skipped++;
        continue;
      }
      res.pending++;
      break; // transport trouble: the batch path handles backoff; try again next interval
    }
    return res;
  }

  /**
   * One unit of work: a batch when due, bodies when due. Answers the milliseconds to wait
   * before the next step (0 = go on at once).
   */
  async step(signal?: AbortSignal): Promise<number> {
    const now = this.#clock.now();
    const st = this.#load();
    if (!st || st.paused_reason) return IDLE_MS * 5;
    if (now < this.#nextAttemptAt) return this.#nextAttemptAt - now;
    const o = await this.drainBatch(signal);
    // Bodies on their own interval (read each time, so a config change applies at once).
    const bodiesDue = this.#clock.now() >= this.#lastBodiesAt + this.#d.bodyIntervalMs();
    if (bodiesDue && (o.kind === "empty" || o.kind === "sent")) {
      this.#lastBodiesAt = this.#clock.now();
      const b = await this.uploadBodies();
      if (b.uploaded >= 200) this.#lastBodiesAt = -Infinity; // more waiting: next step continues
    }
    if (o.kind === "sent" || o.kind === "local_only") return o.more ? 0 : IDLE_MS;
    if (o.kind === "failed") {
      return Math.max(0, this.#nextAttemptAt - this.#clock.now());
    }
    return IDLE_MS;
  }
}

/** Drains the outbox batch after batch until it is empty or a batch fails (a manual sync). */
export async function drainAll(worker: SyncWorker, signal?: AbortSignal): Promise<BatchOutcome[]> {
  worker.wake();
  const batches: BatchOutcome[] = [];
  for (let i = 0; i < 100_000; i++) {
    const o = await worker.drainBatch(signal);
    batches.push(o);
    if (o.kind !== "sent" && o.kind !== "local_only") break;
  }
  return batches;
}
