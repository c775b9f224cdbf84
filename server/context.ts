/** @module The app's dependencies and Hono context types, shared by middleware and routes. */
import type { Sql } from "./db/pool.ts";
import type { Logger } from "./log.ts";
import type { ServerConfig } from "./env.ts";
import type { PricingCatalog } from "./services/pricing.ts";
import type { User } from "./services/accounts.ts";
import type { DeviceStatus, WorkspaceRef } from "../shared/schemas/mod.ts";

/** A clock; injected so tests can move time. */
export interface Clock {
  now(): Date;
}

/** The system clock. */
export const systemClock: Clock = { now: () => new Date() };

/** Everything the app needs, built once in main.ts (no globals). */
export interface AppDeps {
  sql: Sql;
  clock: Clock;
  logger: Logger;
  config: Readonly<ServerConfig>;
  prices: PricingCatalog;
}

/** The device behind a valid `hm_sync_…` token. */
export interface DeviceContext {
  id: string;
  machine_id: string;
  hostname: string;
  status: DeviceStatus;
  workspace: WorkspaceRef;
}

/** Hono env: per-request variables. */
export interface AppEnv {
  Variables: {
    requestId: string;
    user: User;
    authKind: "session" | "token";
    sessionCsrf: string | null;
    device: DeviceContext;
  };
}
