/**
 * @module The route groups the local server mounts after the core API. Each area adds ONE import
 * line and ONE array entry: ATTRIBUTION `dashboardRoutes` (daemon/dashboard/mod.ts), CLOUD
 * `cloudRoutes` (daemon/cloud/local_routes.ts).
 */
import type { LocalRoutes } from "./server.ts";
import { cloudRoutes } from "../cloud/local_routes.ts";
import { dashboardRoutes } from "../dashboard/mod.ts";

/** Route groups mounted in order after `/api/health` and `/api/status`. */
export const ROUTE_GROUPS: LocalRoutes[] = [
  dashboardRoutes,
  cloudRoutes,
];
