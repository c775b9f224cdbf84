/**
 * @module Test harness: a fresh Postgres database (`hm_test_<random>`), the app with a movable
 * clock, optional real HTTP listener on a free loopback port, and account helpers. Used by the
 * server tests and by the daemon's end-to-end tests.
 */
import type { Hono } from "hono";
import { createApp } from "./app.ts";
import type { AppDeps, AppEnv, Clock } from "./context.ts";
import { createTestDatabase, type TestDatabase } from "./db/pool.ts";
import type { ServerConfig } from "./env.ts";
import { type Logger, silentLogger } from "./log.ts";
import { bootstrapAccount, type BootstrapResult } from "./services/accounts.ts";
import { PricingCatalog, seedPricingRates } from "./services/pricing.ts";
import { defaultPriceTable } from "../shared/pricing/mod.ts";
import type { Role, Tier } from "../shared/schemas/mod.ts";

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  #t: number;
  constructor(start: Date = new Date()) {
    this.#t = start.getTime();
  }
  /** The current time. */
  now(): Date {
    return new Date(this.#t);
  }
  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    this.#t += ms;
  }
}

/** A running test server. */
export interface TestServer {
  app: Hono<AppEnv>;
  deps: AppDeps;
  db: TestDatabase;
  clock: Clock;
  /** `http://127.0.0.1:<port>` when `listen` was asked, else `http://localhost`. */
  baseUrl: string;
  /** Calls the app (in-process, or over HTTP when listening). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Creates a user + workspace (+ membership) directly in the database. */
  createAccount(
    o: { email: string; password?: string; workspace: string; tier?: Tier; role?: Role },
  ): Promise<BootstrapResult>;
  /** Signs in through `POST /v1/auth/login`; returns the `Cookie` header value. */
  login(email: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

/** Options of `startTestServer`. */
export interface TestServerOptions {
  /** Serve over HTTP on a free loopback port (needed by out-of-process clients such as the daemon). */
  listen?: boolean;
  clock?: Clock;
  config?: Partial<ServerConfig>;
  /** Postgres server URL to create the database on (default TEST_DATABASE_URL or local). */
  baseUrl?: string;
  /** Logger (default silent). */
  logger?: Logger;
}

/** Default password of `createAccount`. */
export const TEST_PASSWORD = "correct horse battery staple";

/** Starts the app on a fresh, migrated, price-seeded database. */
export async function startTestServer(o: TestServerOptions = {}): Promise<TestServer> {
  const db = await createTestDatabase(o.baseUrl);
  await seedPricingRates(db.sql, defaultPriceTable());
  const clock = o.clock ?? new ManualClock();
  const config: ServerConfig = {
    port: 0,
    host: "127.0.0.1",
    databaseUrl: db.url,
    dataDir: "",
    pairingDashboardUrl: null,
    trustProxy: true,
    sessionTtlHours: 24,
    logLevel: "error",
    ...o.config,
  };
  const deps: AppDeps = {
    sql: db.sql,
    clock,
    logger: o.logger ?? silentLogger,
    config,
    prices: new PricingCatalog(db.sql, () => clock.now(), 0),
  };
  const app = createApp(deps);
  let server: Deno.HttpServer | null = null;
  let baseUrl = "http://localhost";
  if (o.listen) {
    const ready = Promise.withResolvers<number>();
    server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen: (a) => ready.resolve(a.port) },
      app.fetch,
    );
    baseUrl = `http://127.0.0.1:${await ready.promise}`;
  }
  const fetchFn = (path: string, init?: RequestInit) =>
    server ? fetch(baseUrl + path, init) : Promise.resolve(app.request(baseUrl + path, init));
  return {
    app,
    deps,
    db,
    clock,
    baseUrl,
    fetch: fetchFn,
    createAccount: (a) =>
      bootstrapAccount(db.sql, { password: TEST_PASSWORD, ...a, now: clock.now() }),
    async login(email, password = TEST_PASSWORD) {
      const res = await fetchFn("/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password }),
      });
      if (res.status !== 200) {
        throw new Error(`Cannot sign in as ${email}: HTTP ${res.status} ${await res.text()}`);
      }
      await res.body?.cancel();
      const cookie = res.headers.get("set-cookie") ?? "";
      return cookie.split(";")[0];
    },
    async close() {
      if (server) await server.shutdown();
      await db.close();
    },
  };
}

/** Pairs a machine through the real API as the signed-in `cookie`; returns the `hm_sync_` token. */
export async function pairDevice(
  ts: TestServer,
  o: { cookie: string; workspaceId: string; machineId?: string; hostname?: string },
): Promise<{ token: string; machineId: string; pairingId: string }> {
  const machineId = o.machineId ?? crypto.randomUUID();
  const json = (body: unknown, headers: Record<string, string> = {}) => ({
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const start = await (await ts.fetch(
    "/v1/pairing/start",
    json({
      machine_id: machineId,
      hostname: o.hostname ?? "test-host",
      daemon_version: "0.0.0-test",
    }),
  )).json();
  const appr = await ts.fetch(
    "/v1/pairing/approve",
    json({ code: start.code, workspace_id: o.workspaceId }, { cookie: o.cookie }),
  );
  if (appr.status !== 200) {
    throw new Error(`Cannot approve: HTTP ${appr.status} ${await appr.text()}`);
  }
  await appr.body?.cancel();
  const poll = await (await ts.fetch(
    "/v1/pairing/poll",
    json({ pairing_id: start.pairing_id, poll_secret: start.poll_secret }),
  )).json();
  if (poll.status !== "approved") throw new Error(`Cannot pair: poll said ${JSON.stringify(poll)}`);
  return { token: poll.token, machineId, pairingId: start.pairing_id };
}

/** A valid wire row (gpt-4o, 1000 prompt + 500 completion tokens) with `over` applied. */
export function makeRow(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    request_id: crypto.randomUUID(),
    timestamp: new Date().toISOString(),
    provider: "openai",
    model: "gpt-4o",
    method: "POST",
    path: "/v1/chat/completions",
    status_code: 200,
    prompt_tokens: 1000,
    completion_tokens: 500,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    usage_status: "ok",
    cost_usd_millicents: 750,
    priced: true,
    pricing_version: "test",
    project_id: "proj-a",
    ...over,
  };
}

/** JSON request init with a Bearer token. */
export function bearerJson(token: string, method: string, body?: unknown): RequestInit {
  return {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
}
