/**
 * @module Devices of a workspace: list (any member), suspend / reactivate (owner or admin, tier
 * team) and revoke (owner or admin, every tier: it is a security action).
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../context.ts";
import { clientIp, requireUser, workspaceFor } from "../middleware/auth.ts";
import { requireTier } from "../middleware/tier_gate.ts";
import { readParam } from "../validate.ts";
import type { DeviceActionResponse, DeviceListResponse } from "../../shared/schemas/mod.ts";
import {
  changeDevice,
  DEVICE_ACTIONS,
  type DeviceAction,
  listDevices,
} from "../services/devices.ts";

/** `/v1/workspaces/:ws/devices…`. */
export function deviceRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("/v1/workspaces/:ws/devices", requireUser(deps));
  app.use("/v1/workspaces/:ws/devices/*", requireUser(deps));

  app.get("/v1/workspaces/:ws/devices", async (c) => {
    const ws = await workspaceFor(c, deps, c.req.param("ws"));
    const body: DeviceListResponse = { devices: await listDevices(deps.sql, ws.id) };
    return c.json(body);
  });

  app.post("/v1/workspaces/:ws/devices/:id/:action", async (c) => {
    const action = readParam(c, "action", z.enum(Object.keys(DEVICE_ACTIONS) as [DeviceAction]));
    const ws = await workspaceFor(c, deps, c.req.param("ws"), ["owner", "admin"]);
    if (action !== "revoke") requireTier("devices.manage", ws.tier);
    const deviceId = readParam(c, "id", z.uuid());
    const device = await changeDevice(deps.sql, {
      workspaceId: ws.id,
      deviceId,
      action,
      actor: { type: "user", id: c.get("user").id, ip: clientIp(c, deps.config.trustProxy) },
      now: deps.clock.now(),
    });
    const body: DeviceActionResponse = { device };
    return c.json(body);
  });

  return app;
}
