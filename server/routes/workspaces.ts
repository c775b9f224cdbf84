/** @module Workspaces of the signed-in user, creation, and members (list: any member; add: owner/admin, tier team). */
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../context.ts";
import { HttpError } from "../errors.ts";
import { clientIp, requireUser, workspaceFor } from "../middleware/auth.ts";
import { requireTier } from "../middleware/tier_gate.ts";
import { readJson } from "../validate.ts";
import {
  type MemberListResponse,
  Role,
  type WorkspaceListResponse,
  type WorkspaceWithRole,
} from "../../shared/schemas/mod.ts";
import { slugify, workspacesOf } from "../services/accounts.ts";
import { addMember, listMembers } from "../services/devices.ts";
import { createWorkspace } from "../services/workspaces.ts";

/** `POST /v1/workspaces` body. */
export const CreateWorkspaceRequest = z.object({
  name: z.string().min(1).max(100),
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/).optional(),
});

/** `POST /v1/workspaces/{ws}/members` body. */
export const AddMemberRequest = z.object({ email: z.email(), role: Role });

/** `/v1/workspaces`, `/v1/workspaces/:ws/members`. */
export function workspaceRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("/v1/workspaces", requireUser(deps));
  app.use("/v1/workspaces/:ws/members", requireUser(deps));

  app.get("/v1/workspaces", async (c) => {
    const body: WorkspaceListResponse = {
      workspaces: await workspacesOf(deps.sql, c.get("user").id),
    };
    return c.json(body);
  });

  app.post("/v1/workspaces", async (c) => {
    const body = await readJson(c, CreateWorkspaceRequest, "workspace");
    const ws: WorkspaceWithRole = await createWorkspace(deps.sql, {
      name: body.name,
      slug: body.slug ?? slugify(body.name),
      owner: c.get("user"),
      ip: clientIp(c, deps.config.trustProxy),
      now: deps.clock.now(),
    });
    return c.json(ws, 201);
  });

  app.get("/v1/workspaces/:ws/members", async (c) => {
    const ws = await workspaceFor(c, deps, c.req.param("ws"));
    const body: MemberListResponse = { members: await listMembers(deps.sql, ws.id) };
    return c.json(body);
  });

  app.post("/v1/workspaces/:ws/members", async (c) => {
    const ws = await workspaceFor(c, deps, c.req.param("ws"), ["owner", "admin"]);
    requireTier("members.invite", ws.tier);
    const body = await readJson(c, AddMemberRequest, "member");
    if (body.role === "owner" && ws.role !== "owner") {
      throw new HttpError(403, "forbidden", "Only an owner can add another owner");
    }
    const m = await addMember(deps.sql, {
      workspaceId: ws.id,
      email: body.email,
      role: body.role,
      actor: { type: "user", id: c.get("user").id, ip: clientIp(c, deps.config.trustProxy) },
      now: deps.clock.now(),
    });
    return c.json(m, 201);
  });

  return app;
}
