/** @module The Hono app, built from its dependencies (no globals): middleware, route groups, one onError. */
import { Hono } from "hono";
import type { AppDeps, AppEnv } from "./context.ts";
import { errorBody, makeOnError } from "./errors.ts";
import { requestId } from "./middleware/request_id.ts";
import { analyticsRoutes } from "./routes/analytics.ts";
import { auditRoutes } from "./routes/audit.ts";
import { authRoutes } from "./routes/auth.ts";
import { daemonRoutes } from "./routes/daemon.ts";
import { deviceRoutes } from "./routes/devices.ts";
import { ingestRoutes } from "./routes/ingest.ts";
import { openapiRoutes } from "./routes/openapi.ts";
import { pairingRoutes } from "./routes/pairing.ts";
import { workspaceRoutes } from "./routes/workspaces.ts";
import { webRoutes } from "./web/pages.tsx";
import { overviewPages } from "./web/overview.tsx";

export type { AppDeps, AppEnv, Clock } from "./context.ts";
export { systemClock } from "./context.ts";

/** Route groups, mounted in order. */
const GROUPS = [
  pairingRoutes,
  daemonRoutes,
  ingestRoutes,
  analyticsRoutes,
  deviceRoutes,
  workspaceRoutes,
  auditRoutes,
  authRoutes,
  openapiRoutes,
  webRoutes,
  overviewPages,
];

/** Builds the server app. Tests call this with a test database and an injected clock. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", requestId());
  app.get("/healthz", (c) => c.json({ ok: true }));
  for (const group of GROUPS) app.route("/", group(deps));
  app.notFound((c) =>
    c.json(
      errorBody(
        "not_found",
        `No route for ${c.req.method} ${c.req.path}`,
        c.get("requestId") ?? "unknown",
      ),
      404,
    )
  );
  app.onError(makeOnError(deps.logger));
  return app;
}
