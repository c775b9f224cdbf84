/** @module Daemon data routes (Bearer `hm_sync_…`): row batches, bodies, daemon totals. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../context.ts";
import { HttpError } from "../errors.ts";
import { requireDevice } from "../middleware/auth.ts";
import { readJson, readParam } from "../validate.ts";
import {
  BatchRequest,
  BodyUploadRequest,
  DaemonTotalsRequest,
  MAX_BATCH_BYTES,
  MAX_BATCH_ROWS,
  MAX_BODY_BYTES,
} from "../../shared/schemas/mod.ts";
import { ingestBatch } from "../services/ingest.ts";
import { storeBody, upsertDaemonTotals } from "../services/daemon_data.ts";

/** `/v1/requests/batch`, `/v1/requests/{id}/body`, `/v1/reconciliation/daemon-totals`. */
export function ingestRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("/v1/requests/*", requireDevice(deps));
  app.use("/v1/reconciliation/*", requireDevice(deps));

  app.post("/v1/requests/batch", async (c) => {
    const body = await readJson(c, BatchRequest, "batch envelope", MAX_BATCH_BYTES);
    const d = c.get("device");
    if (body.rows.length > MAX_BATCH_ROWS) {
      throw new HttpError(
        413,
        "payload_too_large",
        `Batch has ${body.rows.length} rows; at most ${MAX_BATCH_ROWS} are accepted per batch`,
      );
    }
    if (body.machine_id !== d.machine_id) {
      throw new HttpError(403, "forbidden", "Batch machine_id does not match this device token");
    }
    const res = await ingestBatch(deps.sql, {
      workspaceId: d.workspace.id,
      deviceId: d.id,
      rows: body.rows,
      table: await deps.prices.table(),
      now: deps.clock.now(),
    });
    return c.json(res);
  });

  app.post("/v1/requests/:id/body", async (c) => {
    const id = readParam(c, "id", z.uuid());
    // JSON escaping can at most ~6x a string; the exact UTF-8 cap is checked after parsing.
    const body = await readJson(
      c,
      BodyUploadRequest.extend({ content: z.string() }),
      "body upload",
      MAX_BODY_BYTES * 6 + 4096,
    );
    if (new TextEncoder().encode(body.content).length > MAX_BODY_BYTES) {
      throw new HttpError(
        413,
        "payload_too_large",
        `Body content is larger than ${MAX_BODY_BYTES} bytes`,
      );
    }
    const d = c.get("device");
    return c.json(
      await storeBody(deps.sql, {
        workspaceId: d.workspace.id,
        deviceId: d.id,
        requestId: id,
        body,
        now: deps.clock.now(),
      }),
    );
  });

  app.post("/v1/reconciliation/daemon-totals", async (c) => {
    const body = await readJson(c, DaemonTotalsRequest, "daemon totals", 8 * 1024 * 1024);
    const d = c.get("device");
    const upserted = await upsertDaemonTotals(deps.sql, {
      workspaceId: d.workspace.id,
      deviceId: d.id,
      days: body.days,
      now: deps.clock.now(),
    });
    return c.json({ upserted });
  });

  return app;
}
