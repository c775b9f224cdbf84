/**
 * @module The personal dashboard: `dashboardRoutes` (a LocalRoutes group CORE mounts on the local
 * API server) and the cost breakdown helper.
 */
export { costBreakdown, dashboardRoutes } from "./routes.tsx";
