/**
 * @module The daemon's SQLite store: the only code that runs SQL on the daemon side.
 * Rows are written in batches off the proxy's hot path; each row enters the outbox in the same
 * transaction, so the cloud worker can never miss one.
 */
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { migrate } from "./migrate.ts";

/** One locally stored request row: the sync contract's fields plus local-only ones. */
export interface StoredRow {
  request_id: string;
  timestamp: string;
  provider: string | null;
  model: string | null;
  requested_model: string | null;
  method: string;
  host: string;
  path: string;
  status_code: number | null;
  mode: string;
  stream: boolean;
  operation: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  cache_write_5m_tokens: number | null;
  cache_write_1h_tokens: number | null;
  reasoning_tokens: number | null;
  web_search_requests: number | null;
  usage_status: string | null;
  batch: boolean;
  billable: boolean;
  service_tier: string | null;
  inference_geo: string | null;
  speed: string | null;
  cost_usd_millicents: number | null;
  priced: boolean;
  pricing_version: string | null;
  provider_request_id: string | null;
  project_id: string | null;
  attribution_method: string | null;
  attribution_trail: string | null;
  hostname: string | null;
  prompt_hash: string | null;
  user_agent: string | null;
  error: string | null;
  outcome: string;
  source_workdir: string | null;
  client_pid: number | null;
  latency_ms: number | null;
  ttfb_ms: number | null;
  request_bytes: number | null;
  response_bytes: number | null;
}

/** A captured body for one direction of one request. */
export interface StoredBody {
  request_id: string;
  direction: "request" | "response";
  content_type: string | null;
  content: Uint8Array;
  bytes: number;
  truncated: boolean;
}

/** Column order of `requests`, taken from StoredRow. */
export const ROW_COLUMNS: readonly (keyof StoredRow)[] = [
  "request_id",
  "timestamp",
  "provider",
  "model",
  "requested_model",
  "method",
  "host",
  "path",
  "status_code",
  "mode",
  "stream",
  "operation",
  "prompt_tokens",
  "completion_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "cache_write_5m_tokens",
  "cache_write_1h_tokens",
  "reasoning_tokens",
  "web_search_requests",
  "usage_status",
  "batch",
  "billable",
  "service_tier",
  "inference_geo",
  "speed",
  "cost_usd_millicents",
  "priced",
  "pricing_version",
  "provider_request_id",
  "project_id",
  "attribution_method",
  "attribution_trail",
  "hostname",
  "prompt_hash",
  "user_agent",
  "error",
  "outcome",
  "source_workdir",
  "client_pid",
  "latency_ms",
  "ttfb_ms",
  "request_bytes",
  "response_bytes",
];

const BOOL_COLUMNS = new Set<keyof StoredRow>(["stream", "batch", "billable", "priced"]);

/** Converts a raw SQLite row back into a StoredRow (0/1 → booleans). */
export function fromDb(raw: Record<string, unknown>): StoredRow {
  const row: Record<string, unknown> = {};
  for (const c of ROW_COLUMNS) {
    const v = raw[c];
    row[c] = BOOL_COLUMNS.has(c)
      ? v === 1 || v === 1n || v === true
      : typeof v === "bigint"
      ? Number(v)
      : v ?? null;
  }
  return row as unknown as StoredRow;
}

function toDb(row: StoredRow): SQLInputValue[] {
  return ROW_COLUMNS.map((c) => {
    const v = row[c];
    if (typeof v === "boolean") return v ? 1 : 0;
    return (v ?? null) as SQLInputValue;
  });
}

/** Opens (creating if needed) the database in WAL mode and applies pending migrations. */
export function openDb(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA foreign_keys = ON");
  migrate(db);
  return db;
}

/** The store: batched inserts and the core queries. Other query groups live beside it in store/. */
export class Store {
  readonly db: DatabaseSync;
  #insertRow;
  #insertOutbox;
  #insertBody;

  constructor(db: DatabaseSync) {
    this.db = db;
    this.#insertRow = db.prepare(
      `INSERT OR IGNORE INTO requests (${ROW_COLUMNS.join(", ")}) VALUES (${
        ROW_COLUMNS.map(() => "?").join(", ")
      })`,
    );
    this.#insertOutbox = db.prepare("INSERT OR IGNORE INTO outbox (request_id) VALUES (?)");
    this.#insertBody = db.prepare(
      "INSERT OR REPLACE INTO request_bodies (request_id, direction, content_type, content, bytes, truncated) VALUES (?, ?, ?, ?, ?, ?)",
    );
  }

  /** Opens a store at a path. */
  static open(path: string): Store {
    return new Store(openDb(path));
  }

  /** Inserts rows and bodies in one transaction; each row also enters the outbox. */
  insertBatch(rows: StoredRow[], bodies: StoredBody[] = []): void {
    if (rows.length === 0 && bodies.length === 0) return;
    this.db.exec("BEGIN IMMEDIATE");
    try {
      for (const r of rows) {
        this.#insertRow.run(...toDb(r));
        this.#insertOutbox.run(r.request_id);
      }
      for (const b of bodies) {
        this.#insertBody.run(
          b.request_id,
          b.direction,
          b.content_type,
          b.content,
          b.bytes,
          b.truncated ? 1 : 0,
        );
      }
      this.db.exec("COMMIT");
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }

  /** Rows with timestamp ≥ since, newest first. */
  listRequests(opts: { since?: string; limit?: number } = {}): StoredRow[] {
    const raws = this.db.prepare(
      "SELECT * FROM requests WHERE timestamp >= ? ORDER BY timestamp DESC LIMIT ?",
    ).all(opts.since ?? "", opts.limit ?? 100) as Record<string, unknown>[];
    return raws.map(fromDb);
  }

  /** One row by id, or null. */
  getRequest(id: string): StoredRow | null {
    const raw = this.db.prepare("SELECT * FROM requests WHERE request_id = ?").get(id) as
      | Record<string, unknown>
      | undefined;
    return raw ? fromDb(raw) : null;
  }

  /** Bodies of one request. */
  getBodies(id: string): StoredBody[] {
    const raws = this.db.prepare(
      "SELECT * FROM request_bodies WHERE request_id = ? ORDER BY direction",
    ).all(id) as Record<string, unknown>[];
    return raws.map((r) => ({
      request_id: r.request_id as string,
      direction: r.direction as "request" | "response",
      content_type: (r.content_type as string | null) ?? null,
      content: r.content as Uint8Array,
      bytes: Number(r.bytes),
      truncated: Number(r.truncated) === 1,
    }));
  }

  /** Count of rows with timestamp ≥ since. */
  countSince(since: string): number {
    const r = this.db.prepare("SELECT count(*) AS n FROM requests WHERE timestamp >= ?").get(
      since,
    ) as {
      n: number;
    };
    return Number(r.n);
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }
}

/**
 * Batches inserts off the hot path: `add` only queues; a timer (or a full queue) flushes.
 * A failed flush keeps the rows queued and retries, so nothing is lost while the process lives.
 */
export class BatchWriter {
  #queue: StoredRow[] = [];
  #bodies: StoredBody[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onError: (e: unknown) => void;

  constructor(
    private store: Store,
    private opts: { maxBatch?: number; flushMs?: number; onError?: (e: unknown) => void } = {},
  ) {
    this.#onError = opts.onError ?? (() => {});
  }

  /** Queues a row (and its bodies) for the next flush. */
  add(row: StoredRow, bodies: StoredBody[] = []): void {
    this.#queue.push(row);
    for (const b of bodies) this.#bodies.push(b);
    if (this.#queue.length >= (this.opts.maxBatch ?? 500)) this.flush();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.flush();
      }, this.opts.flushMs ?? 50);
    }
  }

  /** Rows waiting for a flush. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Writes everything queued now. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#queue.length === 0 && this.#bodies.length === 0) return;
    const rows = this.#queue;
    const bodies = this.#bodies;
    this.#queue = [];
    this.#bodies = [];
    try {
      this.store.insertBatch(rows, bodies);
    } catch (e) {
      this.#queue = rows.concat(this.#queue);
      this.#bodies = bodies.concat(this.#bodies);
      this.#onError(e);
      if (this.#timer === undefined) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.flush();
        }, 1000);
      }
    }
  }

  /** Flushes and stops the timer (on shutdown). */
  close(): void {
    this.flush();
  }
}
