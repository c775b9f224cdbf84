/**
 * @module Pruning old rows and bodies. Rows still waiting in the cloud outbox (and bodies not yet
 * uploaded) are kept unless the caller explicitly includes them, so pruning never loses data the
 * cloud has not received.
 */
import type { Store } from "./store.ts";

/** What a prune would touch. */
export interface PrunePlan {
  cutoff: string;
  bodiesOnly: boolean;
  /** Rows older than the cutoff (0 when bodies only). */
  rows: number;
  oldest: string | null;
  newest: string | null;
  bodies: number;
  bodyBytes: number;
  /** Rows among them not yet synced to a paired cloud (in the outbox). */
  unsyncedRows: number;
  /** Bodies among them not yet uploaded while body sync is on. */
  unsyncedBodies: number;
}

/** What a prune did. */
export interface PruneResult {
  rowsDeleted: number;
  bodiesDeleted: number;
  outboxDeleted: number;
  keptUnsyncedRows: number;
  keptUnsyncedBodies: number;
}

function tableExists(store: Store, name: string): boolean {
  return store.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(
    name,
  ) !==
    undefined;
}

/** True when this store is paired with a cloud workspace (its rows are meant to sync). */
export function cloudPaired(store: Store): boolean {
  return tableExists(store, "cloud_state") &&
    store.db.prepare("SELECT 1 FROM cloud_state LIMIT 1").get() !== undefined;
}

const UNSYNCED_BODY = (store: Store) =>
  tableExists(store, "cloud_body_marks")
    ? "NOT EXISTS (SELECT 1 FROM cloud_body_marks m WHERE m.request_id = b.request_id AND m.direction = b.direction)"
    : "1";

/**
 * Plans a prune of everything before `cutoff`. `rowSync`/`bodySync` say whether rows/bodies are
 * meant to reach the cloud (paired; body sync enabled).
 */
export function prunePlan(
  store: Store,
  cutoff: string,
  opts: { bodiesOnly: boolean; rowSync: boolean; bodySync: boolean },
): PrunePlan {
  const db = store.db;
  const rows = db.prepare(
    "SELECT count(*) AS n, min(timestamp) AS lo, max(timestamp) AS hi FROM requests WHERE timestamp < ?",
  ).get(cutoff) as { n: number; lo: string | null; hi: string | null };
  const bodies = db.prepare(
    `SELECT count(*) AS n, coalesce(sum(length(b.content)), 0) AS bytes FROM request_bodies b
     JOIN requests r ON r.request_id = b.request_id WHERE r.timestamp < ?`,
  ).get(cutoff) as { n: number; bytes: number };
  const unsyncedRows = opts.rowSync && !opts.bodiesOnly
    ? Number(
      (db.prepare(
        "SELECT count(*) AS n FROM requests r JOIN outbox o ON o.request_id = r.request_id WHERE r.timestamp < ?",
      ).get(cutoff) as { n: number }).n,
    )
    : 0;
  const unsyncedBodies = opts.bodySync
    ? Number(
      (db.prepare(
        `SELECT count(*) AS n FROM request_bodies b JOIN requests r ON r.request_id = b.request_id
       WHERE r.timestamp < ? AND ${UNSYNCED_BODY(store)}`,
      ).get(cutoff) as { n: number }).n,
    )
    : 0;
  return {
    cutoff,
    bodiesOnly: opts.bodiesOnly,
    rows: opts.bodiesOnly ? 0 : Number(rows.n),
    oldest: rows.lo,
    newest: rows.hi,
    bodies: Number(bodies.n),
    bodyBytes: Number(bodies.bytes),
    unsyncedRows,
    unsyncedBodies,
  };
}

/**
 * Deletes what `prunePlan` describes, in one transaction: bodies, outbox entries, then rows.
 * Unsynced rows/bodies are kept unless `includeUnsynced`.
 */
export function pruneApply(
  store: Store,
  cutoff: string,
  opts: { bodiesOnly: boolean; rowSync: boolean; bodySync: boolean; includeUnsynced: boolean },
): PruneResult {
  const db = store.db;
  const keepRows = opts.rowSync && !opts.includeUnsynced;
  const keepBodies = opts.bodySync && !opts.includeUnsynced;
  const rowSel = `SELECT r.request_id FROM requests r WHERE r.timestamp < ?${
    keepRows ? " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.request_id = r.request_id)" : ""
  }${
    keepBodies
      ? ` AND NOT EXISTS (SELECT 1 FROM request_bodies b WHERE b.request_id = r.request_id AND ${
        UNSYNCED_BODY(store)
      })`
      : ""
  }`;
  const plan = prunePlan(store, cutoff, opts);
  db.exec("BEGIN IMMEDIATE");
  try {
    let bodiesDeleted: number;
    let outboxDeleted = 0;
    let rowsDeleted = 0;
    if (opts.bodiesOnly) {
      bodiesDeleted = Number(
        db.prepare(
          `DELETE FROM request_bodies AS b WHERE b.request_id IN (SELECT request_id FROM requests WHERE timestamp < ?)${
            keepBodies ? ` AND NOT (${UNSYNCED_BODY(store)})` : ""
          }`,
        ).run(cutoff).changes,
      );
    } else {
      bodiesDeleted = Number(
        db.prepare(`DELETE FROM request_bodies WHERE request_id IN (${rowSel})`).run(cutoff)
          .changes,
      );
      outboxDeleted = Number(
        db.prepare(`DELETE FROM outbox WHERE request_id IN (${rowSel})`).run(cutoff).changes,
      );
      rowsDeleted = Number(
        db.prepare(`DELETE FROM requests WHERE request_id IN (${rowSel})`).run(cutoff).changes,
      );
    }
    db.exec("COMMIT");
    return {
      rowsDeleted,
      bodiesDeleted,
      outboxDeleted,
      keptUnsyncedRows: keepRows ? plan.unsyncedRows : 0,
      keptUnsyncedBodies: keepBodies ? plan.unsyncedBodies : 0,
    };
  } catch (e) {
    db.exec("ROLLBACK");
    throw e;
  }
}
