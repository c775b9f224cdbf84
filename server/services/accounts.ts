/** @module Users, workspaces, memberships, sessions and personal API tokens. */
import type { Sql } from "../db/pool.ts";
import type { Role, Tier, WorkspaceRef, WorkspaceWithRole } from "../../shared/schemas/mod.ts";
import { PAT_PREFIX } from "../../shared/schemas/mod.ts";
import { audit } from "./audit.ts";
import {
  DUMMY_PASSWORD_HASH,
  hashPassword,
  randomToken,
  sha256Hex,
  verifyPassword,
} from "./crypto.ts";

/** A signed-in user. */
export interface User {
  id: string;
  email: string;
}

/** A workspace row. */
export type Workspace = WorkspaceRef;

/** Turns a name into a workspace slug. */
export function slugify(name: string): string {
  return name.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")
    .slice(0, 63) || "workspace";
}

/** Options of `bootstrapAccount`. */
export interface BootstrapOptions {
  email: string;
  password: string;
  /** Workspace name or slug; created when missing. */
  workspace: string;
  tier?: Tier;
  role?: Role;
  now?: Date;
}

/** The result of `bootstrapAccount`. */
export interface BootstrapResult {
  user: User;
  workspace: Workspace;
  role: Role;
  createdUser: boolean;
  createdWorkspace: boolean;
}

/**
 * Creates (or reuses) a user, creates (or reuses) a workspace by slug, and makes the user a member
 * with `role` (default owner). Used by `server:admin create-user` and by tests. Audited.
 */
export async function bootstrapAccount(sql: Sql, o: BootstrapOptions): Promise<BootstrapResult> {
  const passwordHash = await hashPassword(o.password);
  const now = o.now ?? new Date();
  const role = o.role ?? "owner";
  const slug = slugify(o.workspace);
  return await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    let createdUser = false;
    let [user] = await t<
      User[]
    >`SELECT id, email FROM users WHERE lower(email) = lower(${o.email})`;
    if (!user) {
      [user] = await t<User[]>`INSERT INTO users (email, password_hash, created_at)
        VALUES (${o.email}, ${passwordHash}, ${now}) RETURNING id, email`;
      createdUser = true;
    } else {
      await t`UPDATE users SET password_hash = ${passwordHash} WHERE id = ${user.id}`;
    }
    let createdWorkspace = false;
    let [ws] = await t<
      Workspace[]
    >`SELECT id, slug, name, tier FROM workspaces WHERE slug = ${slug}`;
    if (!ws) {
      [ws] = await t<Workspace[]>`INSERT INTO workspaces (slug, name, tier, created_at)
        VALUES (${slug}, ${o.workspace}, ${
        o.tier ?? "solo"
      }, ${now}) RETURNING id, slug, name, tier`;
      createdWorkspace = true;
    } else if (o.tier && o.tier !== ws.tier) {
      [ws] = await t<Workspace[]>`UPDATE workspaces SET tier = ${o.tier} WHERE id = ${ws.id}
        RETURNING id, slug, name, tier`;
    }
    await t`INSERT INTO memberships (workspace_id, user_id, role, created_at)
      VALUES (${ws.id}, ${user.id}, ${role}, ${now})
      ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role`;
    await audit(t, {
      workspaceId: ws.id,
      actor: { type: "system", id: "admin" },
      action: "account.bootstrap",
      targetType: "user",
      targetId: user.id,
      metadata: {
        email: user.email,
        role,
        created_user: createdUser,
        created_workspace: createdWorkspace,
      },
      at: now,
    });
    return { user, workspace: ws, role, createdUser, createdWorkspace };
  });
}

/** Checks email + password; null when either is wrong (same time either way). */
export async function checkPassword(
  sql: Sql,
  email: string,
  password: string,
): Promise<User | null> {
  const [row] = await sql<(User & { password_hash: string })[]>`
    SELECT id, email, password_hash FROM users WHERE lower(email) = lower(${email})`;
  const good = await verifyPassword(password, row?.password_hash ?? DUMMY_PASSWORD_HASH);
  return row && good ? { id: row.id, email: row.email } : null;
}

/** A new session: the raw cookie value and its CSRF token. */
export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

/** Creates a session for a user. */
export async function createSession(
  sql: Sql,
  userId: string,
  now: Date,
  ttlHours: number,
): Promise<NewSession> {
  const token = randomToken("", 32);
  const csrfToken = randomToken("", 24);
  const expiresAt = new Date(now.getTime() + ttlHours * 3_600_000);
  await sql`DELETE FROM sessions WHERE user_id = ${userId} AND expires_at <= ${now}`;
  await sql`INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at)
    VALUES (${await sha256Hex(token)}, ${userId}, ${csrfToken}, ${now}, ${expiresAt})`;
  return { token, csrfToken, expiresAt };
}

/** Resolves a session cookie to its user and CSRF token, or null. */
export async function userFromSession(
  sql: Sql,
  token: string,
  now: Date,
): Promise<{ user: User; csrfToken: string } | null> {
  const [r] = await sql<{ id: string; email: string; csrf_token: string }[]>`
    SELECT u.id, u.email, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.id_hash = ${await sha256Hex(token)} AND s.expires_at > ${now}`;
  return r ? { user: { id: r.id, email: r.email }, csrfToken: r.csrf_token } : null;
}

/** Deletes a session (sign-out) and audits it. */
export async function deleteSession(
  sql: Sql,
  token: string,
  now: Date,
  ip: string | null,
): Promise<void> {
  const [s] = await sql<{ user_id: string }[]>`DELETE FROM sessions
    WHERE id_hash = ${await sha256Hex(token)} RETURNING user_id`;
  if (!s) return;
  await audit(sql, {
    workspaceId: null,
    actor: { type: "user", id: s.user_id, ip },
    action: "auth.logout",
    targetType: "user",
    targetId: s.user_id,
    at: now,
  });
}

/** Revokes one of the user's personal API tokens; false when there is no such active token. Audited. */
export async function revokePersonalToken(
  sql: Sql,
  o: { userId: string; tokenId: string; now: Date; ip: string | null },
): Promise<boolean> {
  const r = await sql`UPDATE api_tokens SET revoked_at = ${o.now}
    WHERE id = ${o.tokenId} AND user_id = ${o.userId} AND revoked_at IS NULL RETURNING id`;
  if (r.length === 0) return false;
  await audit(sql, {
    workspaceId: null,
    actor: { type: "user", id: o.userId, ip: o.ip },
    action: "api_token.revoked",
    targetType: "api_token",
    targetId: o.tokenId,
    at: o.now,
  });
  return true;
}

/** Creates a personal API token `hm_pat_…`; only its SHA-256 is stored. */
export async function createPersonalToken(
  sql: Sql,
  userId: string,
  name: string,
  now: Date,
): Promise<{ id: string; name: string; token: string }> {
  const token = randomToken(PAT_PREFIX, 32);
  const [r] = await sql<
    { id: string }[]
  >`INSERT INTO api_tokens (user_id, name, token_hash, created_at)
    VALUES (${userId}, ${name}, ${await sha256Hex(token)}, ${now}) RETURNING id`;
  return { id: r.id, name, token };
}

/** Resolves a personal API token to its user, or null (unknown or revoked). */
export async function userFromPersonalToken(
  sql: Sql,
  token: string,
  now: Date,
): Promise<User | null> {
  const [r] = await sql<User[]>`UPDATE api_tokens t SET last_used_at = ${now} FROM users u
    WHERE t.token_hash = ${await sha256Hex(token)} AND t.revoked_at IS NULL AND u.id = t.user_id
    RETURNING u.id, u.email`;
  return r ?? null;
}

/** Every workspace of a user with the user's role. */
export async function workspacesOf(sql: Sql, userId: string): Promise<WorkspaceWithRole[]> {
  return await sql<WorkspaceWithRole[]>`SELECT w.id, w.slug, w.name, w.tier, m.role
    FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
    WHERE m.user_id = ${userId} ORDER BY w.name`;
}

/** A workspace (by id or slug) with the user's role, or null when not a member. */
export async function membership(
  sql: Sql,
  userId: string,
  idOrSlug: string,
): Promise<WorkspaceWithRole | null> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrSlug);
  const [r] = isUuid
    ? await sql<WorkspaceWithRole[]>`SELECT w.id, w.slug, w.name, w.tier, m.role
      FROM workspaces w JOIN memberships m ON m.workspace_id = w.id AND m.user_id = ${userId}
      WHERE w.id = ${idOrSlug}`
    : await sql<WorkspaceWithRole[]>`SELECT w.id, w.slug, w.name, w.tier, m.role
      FROM workspaces w JOIN memberships m ON m.workspace_id = w.id AND m.user_id = ${userId}
      WHERE w.slug = ${idOrSlug.toLowerCase()}`;
  return r ?? null;
}
