/**
 * @module Pairing, the OAuth device authorization grant (RFC 8628): start, poll, cancel, approve,
 * deny. Stored states: pending → approved → consumed, or denied / cancelled; `expired` is derived
 * from `expires_at`. The raw device token is minted at the first poll after approval and never stored.
 */
import type { Sql } from "../db/pool.ts";
import {
  PAIRING_EXPIRES_IN,
  PAIRING_INTERVAL,
  type PairingCancelResponse,
  type PairingDecisionResponse,
  type PairingPollResponse,
  type PairingStartRequest,
  type PairingStartResponse,
  type PairingStatus,
  SYNC_TOKEN_PREFIX,
  type WorkspaceRef,
} from "../../shared/schemas/mod.ts";
import { normalizePairingCode, randomPairingCode } from "../../shared/crockford.ts";
import { HttpError } from "../errors.ts";
import { audit } from "./audit.ts";
import { randomToken, sha256Hex, timingSafeEqual } from "./crypto.ts";
import { hit, retryAfter } from "./rate_limit.ts";
import type { User } from "./accounts.ts";

/** Wrong codes allowed per user per window. */
export const WRONG_CODE_LIMIT_PER_USER = 10;
/** Wrong codes allowed per IP per window. */
export const WRONG_CODE_LIMIT_PER_IP = 30;
/** The wrong-code window, ms. */
export const WRONG_CODE_WINDOW_MS = 15 * 60_000;
/** Pairing starts allowed per IP per window (an unauthenticated endpoint that writes rows). */
export const STARTS_PER_IP = 60;
/** The start window, ms. */
export const STARTS_WINDOW_MS = 10 * 60_000;
/** Poll slack: a poll this much earlier than `interval` still counts as on time. */
const POLL_SLACK_MS = 250;

interface PairingRow {
  id: string;
  poll_secret_hash: string;
  code: string;
  machine_id: string;
  hostname: string;
  daemon_version: string;
  status: "pending" | "approved" | "consumed" | "denied" | "cancelled";
  workspace_id: string | null;
  device_id: string | null;
  expires_at: Date;
  last_polled_at: Date | null;
}

/** Starts a pairing; cancels any pairing of the same machine still in flight. */
export async function startPairing(
  sql: Sql,
  input: PairingStartRequest,
  now: Date,
  approveBase: string,
  ip: string,
): Promise<PairingStartResponse> {
  const limit = { key: `pair-start:ip:${ip}`, max: STARTS_PER_IP, windowMs: STARTS_WINDOW_MS };
  const wait = await retryAfter(sql, limit, now);
  if (wait > 0) {
    throw new HttpError(
      429,
      "rate_limited",
      `Too many pairings from this address: try again in ${wait} s`,
      {
        retry_after: wait,
      },
      { "Retry-After": String(wait) },
    );
  }
  await hit(sql, [limit.key], now);
  const pollSecret = randomToken("", 32);
  const expiresAt = new Date(now.getTime() + PAIRING_EXPIRES_IN * 1000);
  return await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    const cancelled = await t<{ id: string }[]>`UPDATE pairing_requests SET status = 'cancelled',
      decided_at = ${now} WHERE machine_id = ${input.machine_id}
      AND status IN ('pending', 'approved') RETURNING id`;
    for (const c of cancelled) {
      await audit(t, {
        workspaceId: null,
        actor: { type: "device", id: `machine:${input.machine_id}`, ip },
        action: "pairing.cancelled",
        targetType: "pairing",
        targetId: c.id,
        metadata: { reason: "restarted" },
        at: now,
      });
    }
    for (let attempt = 0;; attempt++) {
      const code = randomPairingCode();
      const [row] = await t<{ id: string }[]>`INSERT INTO pairing_requests
        (poll_secret_hash, code, machine_id, hostname, daemon_version, client_ip, created_at, expires_at)
        VALUES (${await sha256Hex(pollSecret)}, ${code.replace("-", "")}, ${input.machine_id},
          ${input.hostname}, ${input.daemon_version}, ${ip}, ${now}, ${expiresAt})
        ON CONFLICT (code) DO NOTHING RETURNING id`;
      if (!row) {
        if (attempt > 5) throw new Error("Cannot allocate a unique pairing code");
        continue;
      }
      await audit(t, {
        workspaceId: null,
        actor: { type: "device", id: `machine:${input.machine_id}`, ip },
        action: "pairing.started",
        targetType: "pairing",
        targetId: row.id,
        metadata: { hostname: input.hostname, daemon_version: input.daemon_version },
        at: now,
      });
      return {
        pairing_id: row.id,
        poll_secret: pollSecret,
        code,
        approve_url: `${approveBase}/connect?code=${encodeURIComponent(code)}`,
        expires_in: PAIRING_EXPIRES_IN,
        interval: PAIRING_INTERVAL,
      };
    }
  });
}

async function findBySecret(
  t: Sql,
  pairingId: string,
  pollSecret: string,
): Promise<PairingRow> {
  const [row] = await t<
    PairingRow[]
  >`SELECT * FROM pairing_requests WHERE id = ${pairingId} FOR UPDATE`;
  if (!row || !timingSafeEqual(row.poll_secret_hash, await sha256Hex(pollSecret))) {
    throw new HttpError(404, "pairing_not_found", "Unknown pairing or wrong poll secret");
  }
  return row;
}

function isLive(row: PairingRow): boolean {
  return row.status === "pending" || row.status === "approved";
}

/** One poll: the HTTP status (200, or 410 for expired) and the answer. */
export async function pollPairing(
  sql: Sql,
  pairingId: string,
  pollSecret: string,
  now: Date,
): Promise<{ http: 200 | 410; body: PairingPollResponse }> {
  return await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    const row = await findBySecret(t, pairingId, pollSecret);
    if (isLive(row) && now >= row.expires_at) return { http: 410, body: { status: "expired" } };
    if (!isLive(row)) return { http: 200, body: { status: row.status } as PairingPollResponse };
    if (
      row.last_polled_at &&
      now.getTime() - row.last_polled_at.getTime() < PAIRING_INTERVAL * 1000 - POLL_SLACK_MS
    ) {
      return { http: 200, body: { status: "slow_down", interval: PAIRING_INTERVAL } };
    }
    await t`UPDATE pairing_requests SET last_polled_at = ${now} WHERE id = ${row.id}`;
    if (row.status === "pending") return { http: 200, body: { status: "pending" } };
    // Approved: mint the device token now, store only its hash, and never show it again.
    const token = randomToken(SYNC_TOKEN_PREFIX, 32);
    await t`UPDATE devices SET token_hash = ${await sha256Hex(token)}, status = 'active'
      WHERE id = ${row.device_id}`;
    await t`UPDATE pairing_requests SET status = 'consumed' WHERE id = ${row.id}`;
    const [ws] = await t<WorkspaceRef[]>`SELECT id, slug, name, tier FROM workspaces
      WHERE id = ${row.workspace_id}`;
    await audit(t, {
      workspaceId: ws.id,
      actor: { type: "device", id: row.device_id },
      action: "device.token_issued",
      targetType: "device",
      targetId: row.device_id,
      metadata: { pairing_id: row.id, machine_id: row.machine_id },
      at: now,
    });
    return { http: 200, body: { status: "approved", token, workspace: ws } };
  });
}

/** Cancels a pairing in flight (idempotent: a finished pairing reports its final status). */
export async function cancelPairing(
  sql: Sql,
  pairingId: string,
  pollSecret: string,
  now: Date,
  ip: string,
): Promise<PairingCancelResponse> {
  return await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    const row = await findBySecret(t, pairingId, pollSecret);
    if (!isLive(row)) return { pairing_id: row.id, status: row.status };
    if (now >= row.expires_at) return { pairing_id: row.id, status: "expired" as PairingStatus };
    await t`UPDATE pairing_requests SET status = 'cancelled', decided_at = ${now} WHERE id = ${row.id}`;
    await audit(t, {
      workspaceId: row.workspace_id,
      actor: { type: "device", id: `machine:${row.machine_id}`, ip },
      action: "pairing.cancelled",
      targetType: "pairing",
      targetId: row.id,
      metadata: { reason: "cancelled_by_daemon" },
      at: now,
    });
    return { pairing_id: row.id, status: "cancelled" };
  });
}

/** What a signed-in owner/admin decided about a code. */
export interface Decision {
  user: User;
  code: string;
  decision: "approve" | "deny";
  /** Required to approve: a workspace where the user is owner or admin (checked by the caller). */
  workspace: WorkspaceRef | null;
  ip: string;
  now: Date;
}

/** Throws 429 when the user or the IP has tried too many wrong codes. */
async function guardBruteForce(sql: Sql, userId: string, ip: string, now: Date): Promise<void> {
  for (
    const limit of [
      {
        key: `pair:user:${userId}`,
        max: WRONG_CODE_LIMIT_PER_USER,
        windowMs: WRONG_CODE_WINDOW_MS,
      },
      { key: `pair:ip:${ip}`, max: WRONG_CODE_LIMIT_PER_IP, windowMs: WRONG_CODE_WINDOW_MS },
    ]
  ) {
    const wait = await retryAfter(sql, limit, now);
    if (wait > 0) {
      throw new HttpError(
        429,
        "rate_limited",
        `Too many wrong pairing codes: try again in ${wait} s`,
        {
          retry_after: wait,
        },
        { "Retry-After": String(wait) },
      );
    }
  }
}

/**
 * Approves or denies the pending pairing with `code`. Each code is used once; wrong, used or
 * expired codes count against the user and IP limits.
 */
export async function decidePairing(sql: Sql, d: Decision): Promise<PairingDecisionResponse> {
  await guardBruteForce(sql, d.user.id, d.ip, d.now);
  const code = normalizePairingCode(d.code);
  const result = code === null ? null : await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    const [row] = await t<PairingRow[]>`SELECT * FROM pairing_requests
      WHERE code = ${code} AND status = 'pending' AND expires_at > ${d.now} FOR UPDATE`;
    if (!row) return null;
    let deviceId: string | null = null;
    if (d.decision === "approve" && d.workspace) {
      // Re-pairing a machine reuses its device row; the old token stops working at once.
      const [dev] = await t<{ id: string }[]>`INSERT INTO devices
        (workspace_id, machine_id, hostname, daemon_version, status, user_id, token_hash, paired_at)
        VALUES (${d.workspace.id}, ${row.machine_id}, ${row.hostname}, ${row.daemon_version},
          'active', ${d.user.id}, NULL, ${d.now})
        ON CONFLICT (workspace_id, machine_id) DO UPDATE SET hostname = EXCLUDED.hostname,
          daemon_version = EXCLUDED.daemon_version, status = 'active', user_id = EXCLUDED.user_id,
          token_hash = NULL, paired_at = EXCLUDED.paired_at
        RETURNING id`;
      deviceId = dev.id;
    }
    const status = d.decision === "approve" ? "approved" : "denied";
    await t`UPDATE pairing_requests SET status = ${status}, decided_by = ${d.user.id},
      decided_at = ${d.now}, workspace_id = ${d.workspace?.id ?? null}, device_id = ${deviceId}
      WHERE id = ${row.id}`;
    await audit(t, {
      workspaceId: d.workspace?.id ?? null,
      actor: { type: "user", id: d.user.id, ip: d.ip },
      action: `pairing.${status}`,
      targetType: "pairing",
      targetId: row.id,
      metadata: { machine_id: row.machine_id, hostname: row.hostname, device_id: deviceId },
      at: d.now,
    });
    return { row, status } as const;
  });
  if (!result) {
    await hit(sql, [`pair:user:${d.user.id}`, `pair:ip:${d.ip}`], d.now);
    throw new HttpError(
      404,
      "pairing_not_found",
      "No pending pairing has this code (wrong, used or expired)",
    );
  }
  return {
    pairing_id: result.row.id,
    status: result.status,
    machine_id: result.row.machine_id,
    hostname: result.row.hostname,
    workspace: d.decision === "approve" ? d.workspace : null,
  };
}

/**
 * Looks up a pending, unexpired pairing by code for the approve page. A miss counts as a wrong
 * code (so the page is no oracle); 429 once the user or IP is over the limit.
 */
export async function peekPairing(
  sql: Sql,
  o: { user: User; ip: string; code: string; now: Date },
): Promise<{ code: string; machine_id: string; hostname: string; daemon_version: string } | null> {
  await guardBruteForce(sql, o.user.id, o.ip, o.now);
  const code = normalizePairingCode(o.code);
  const [row] = code
    ? await sql<PairingRow[]>`SELECT * FROM pairing_requests
    WHERE code = ${code} AND status = 'pending' AND expires_at > ${o.now}`
    : [];
  if (!row || !code) await hit(sql, [`pair:user:${o.user.id}`, `pair:ip:${o.ip}`], o.now);
  return row && code
    ? {
      code: `${code.slice(0, 4)}-${code.slice(4)}`,
      machine_id: row.machine_id,
      hostname: row.hostname,
      daemon_version: row.daemon_version,
    }
    : null;
}
