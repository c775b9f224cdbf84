/** @module Audit events: one append-only row per state-changing action (the table rejects UPDATE/DELETE). */
import type { Sql } from "../db/pool.ts";

/** Who did something. */
export interface Actor {
  type: "user" | "device" | "system";
  id: string | null;
  ip?: string | null;
}

/** One audit event. */
export interface AuditEvent {
  workspaceId: string | null;
  actor: Actor;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  metadata?: Record<string, unknown>;
  at: Date;
}

/** Appends an audit event (use the transaction's `sql` so it commits with the change). */
export async function audit(sql: Sql, e: AuditEvent): Promise<void> {
  await sql`INSERT INTO audit_events
    (workspace_id, actor_type, actor_id, action, target_type, target_id, metadata, ip, at)
    VALUES (${e.workspaceId}, ${e.actor.type}, ${e.actor.id}, ${e.action}, ${e.targetType ?? null},
      ${e.targetId ?? null}, ${sql.json((e.metadata ?? {}) as never)}, ${
    e.actor.ip ?? null
  }, ${e.at})`;
}
