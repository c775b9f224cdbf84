/** @module Daemon identity routes (Bearer `hm_sync_…`): whoami and disconnect. */
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "../context.ts";
import { clientIp, requireDevice } from "../middleware/auth.ts";
import type { WhoamiResponse } from "../../shared/schemas/mod.ts";
import { disconnectDevice } from "../services/devices.ts";

/** `/v1/daemon/*`. */
export function daemonRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("/v1/daemon/*", requireDevice(deps));

  app.get("/v1/daemon/whoami", (c) => {
    const d = c.get("device");
    const body: WhoamiResponse = {
      workspace: d.workspace,
      machine_id: d.machine_id,
      hostname: d.hostname,
      device_status: d.status,
    };
    return c.json(body);
  });

  app.delete("/v1/daemon/disconnect", async (c) => {
    const d = c.get("device");
    await disconnectDevice(deps.sql, {
      workspaceId: d.workspace.id,
      deviceId: d.id,
      ip: clientIp(c, deps.config.trustProxy),
      now: deps.clock.now(),
    });
    return c.body(null, 204);
  });

  return app;
}
