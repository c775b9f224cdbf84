/** @module Device queries and lifecycle (suspend ⇄ reactivate, revoke, disconnect), members list. */
import type { Sql } from "../db/pool.ts";
import type { Device, DeviceStatus, Member } from "../../shared/schemas/mod.ts";
import { HttpError } from "../errors.ts";
import { type Actor, audit } from "./audit.ts";

const DEVICE_COLUMNS = `d.id, d.machine_id, d.hostname, d.daemon_version, d.status, d.user_id,
  u.email AS user_email, d.paired_at, d.last_sync_at`;

function toDevice(r: Record<string, unknown>): Device {
  return {
    id: r.id as string,
    machine_id: r.machine_id as string,
    hostname: r.hostname as string,
    daemon_version: r.daemon_version as string,
    status: r.status as DeviceStatus,
    user_id: (r.user_id as string | null) ?? null,
    user_email: (r.user_email as string | null) ?? null,
    paired_at: (r.paired_at as Date).toISOString(),
    last_sync_at: r.last_sync_at ? (r.last_sync_at as Date).toISOString() : null,
  };
}

/** Devices of a workspace, newest pairing first. */
export async function listDevices(sql: Sql, workspaceId: string): Promise<Device[]> {
  const rows = await sql.unsafe(
    `SELECT ${DEVICE_COLUMNS} FROM devices d LEFT JOIN users u ON u.id = d.user_id
     WHERE d.workspace_id = $1 ORDER BY d.paired_at DESC`,
    [workspaceId],
  );
  return rows.map((r) => toDevice(r as Record<string, unknown>));
}

/** A device action and the statuses it may start from. */
export const DEVICE_ACTIONS = {
  suspend: { from: ["active"], to: "suspended" },
  reactivate: { from: ["suspended"], to: "active" },
  revoke: { from: ["active", "suspended"], to: "revoked" },
} as const satisfies Record<string, { from: readonly DeviceStatus[]; to: DeviceStatus }>;

/** A device action name. */
export type DeviceAction = keyof typeof DEVICE_ACTIONS;

/**
 * Applies `action` to a device of `workspaceId` (404 when it is not there, 409 from a status the
 * action cannot leave). Revoke also drops the token hash, so the token is dead for good.
 */
export async function changeDevice(
  sql: Sql,
  o: { workspaceId: string; deviceId: string; action: DeviceAction; actor: Actor; now: Date },
): Promise<Device> {
  const spec = DEVICE_ACTIONS[o.action];
  return await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    const [cur] = await t<{ status: DeviceStatus }[]>`SELECT status FROM devices
      WHERE id = ${o.deviceId} AND workspace_id = ${o.workspaceId} FOR UPDATE`;
    if (!cur) throw new HttpError(404, "not_found", `Device ${o.deviceId} not found`);
    if (!(spec.from as readonly string[]).includes(cur.status)) {
      throw new HttpError(409, "conflict", `Cannot ${o.action} a device that is ${cur.status}`);
    }
    if (o.action === "revoke") {
      await t`UPDATE devices SET status = 'revoked', token_hash = NULL WHERE id = ${o.deviceId}`;
    } else {
      await t`UPDATE devices SET status = ${spec.to} WHERE id = ${o.deviceId}`;
    }
    await audit(t, {
      workspaceId: o.workspaceId,
      actor: o.actor,
      action: `device.${o.action}`,
      targetType: "device",
      targetId: o.deviceId,
      metadata: { from: cur.status, to: spec.to },
      at: o.now,
    });
    const [row] = await t.unsafe(
      `SELECT ${DEVICE_COLUMNS} FROM devices d LEFT JOIN users u ON u.id = d.user_id WHERE d.id = $1`,
      [o.deviceId],
    );
    return toDevice(row as Record<string, unknown>);
  });
}

/** The daemon's own disconnect: revoke its token (audited). */
export async function disconnectDevice(
  sql: Sql,
  o: { workspaceId: string; deviceId: string; ip: string; now: Date },
): Promise<void> {
  await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    await t`UPDATE devices SET status = 'revoked', token_hash = NULL WHERE id = ${o.deviceId}`;
    await audit(t, {
      workspaceId: o.workspaceId,
      actor: { type: "device", id: o.deviceId, ip: o.ip },
      action: "device.disconnected",
      targetType: "device",
      targetId: o.deviceId,
      at: o.now,
    });
  });
}

/** Members of a workspace. */
export async function listMembers(sql: Sql, workspaceId: string): Promise<Member[]> {
  const rows = await sql<
    { user_id: string; email: string; role: Member["role"]; created_at: Date }[]
  >`
    SELECT m.user_id, u.email, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
    WHERE m.workspace_id = ${workspaceId} ORDER BY m.created_at, u.email`;
  return rows.map((r) => ({
    user_id: r.user_id,
    email: r.email,
    role: r.role,
    joined_at: r.created_at.toISOString(),
  }));
}

/** Adds an existing user to a workspace with a role (404 when no such user). Audited. */
export async function addMember(
  sql: Sql,
  o: { workspaceId: string; email: string; role: Member["role"]; actor: Actor; now: Date },
): Promise<Member> {
  return await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    const [u] = await t<{ id: string; email: string }[]>`SELECT id, email FROM users
      WHERE lower(email) = lower(${o.email})`;
    if (!u) {
      throw new HttpError(404, "not_found", `No account with email ${o.email}: create it first`);
    }
    await t`INSERT INTO memberships (workspace_id, user_id, role, created_at)
      VALUES (${o.workspaceId}, ${u.id}, ${o.role}, ${o.now})
      ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role`;
    await audit(t, {
      workspaceId: o.workspaceId,
      actor: o.actor,
      action: "member.added",
      targetType: "user",
      targetId: u.id,
      metadata: { role: o.role },
      at: o.now,
    });
    return { user_id: u.id, email: u.email, role: o.role, joined_at: o.now.toISOString() };
  });
}
