/** @module Workspace creation by a signed-in user (who becomes its owner). */
import type { Sql } from "../db/pool.ts";
import type { WorkspaceWithRole } from "../../shared/schemas/mod.ts";
import { HttpError } from "../errors.ts";
import { audit } from "./audit.ts";
import type { User } from "./accounts.ts";

/** Creates a solo workspace owned by `owner`; 409 when the slug is taken. Audited. */
export async function createWorkspace(
  sql: Sql,
  o: { name: string; slug: string; owner: User; ip: string; now: Date },
): Promise<WorkspaceWithRole> {
  return await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    const [ws] = await t<
      { id: string; slug: string; name: string; tier: WorkspaceWithRole["tier"] }[]
    >`
      INSERT INTO workspaces (slug, name, tier, created_at) VALUES (${o.slug}, ${o.name}, 'solo', ${o.now})
      ON CONFLICT (slug) DO NOTHING RETURNING id, slug, name, tier`;
    if (!ws) throw new HttpError(409, "conflict", `Workspace slug ${o.slug} is taken`);
    await t`INSERT INTO memberships (workspace_id, user_id, role, created_at)
      VALUES (${ws.id}, ${o.owner.id}, 'owner', ${o.now})`;
    await audit(t, {
      workspaceId: ws.id,
      actor: { type: "user", id: o.owner.id, ip: o.ip },
      action: "workspace.created",
      targetType: "workspace",
      targetId: ws.id,
      metadata: { slug: ws.slug },
      at: o.now,
    });
    return { ...ws, role: "owner" };
  });
}
