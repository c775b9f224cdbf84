/**
 * @module Server entry: `deno task server` (port 8787 or PORT), `deno task server:migrate`
 * (`main.ts migrate`), and the Deno Deploy entrypoint (it calls `Deno.serve` when run as main).
 */
import type { Hono } from "hono";
import { createApp, systemClock } from "./app.ts";
import type { AppDeps, AppEnv } from "./context.ts";
import { openDatabase } from "./db/pool.ts";
import { migrate } from "./db/migrate.ts";
import { loadServerConfig, processEnv, type ServerConfig } from "./env.ts";
import { createLogger, type Logger } from "./log.ts";
import { PricingCatalog, seedPricingRates } from "./services/pricing.ts";
import { defaultPriceTable } from "../shared/pricing/mod.ts";

/** A running server's parts. */
export interface ServerRuntime {
  app: Hono<AppEnv>;
  deps: AppDeps;
  close(): Promise<void>;
}

/** Opens the database, migrates it, seeds pricing_rates and builds the app. */
export async function buildRuntime(
  config: Readonly<ServerConfig>,
  logger: Logger,
): Promise<ServerRuntime> {
  const db = await openDatabase({
    databaseUrl: config.databaseUrl ?? undefined,
    dataDir: config.dataDir,
    logger,
  });
  try {
    const applied = await migrate(db.sql);
    if (applied.length) logger.info("Applied migrations", { applied });
    const seeded = await seedPricingRates(db.sql, defaultPriceTable());
    if (seeded) logger.info("Seeded pricing_rates", { rows: seeded });
  } catch (e) {
    await db.close();
    throw e;
  }
  const deps: AppDeps = {
    sql: db.sql,
    clock: systemClock,
    logger,
    config,
    prices: new PricingCatalog(db.sql, () => systemClock.now()),
  };
  return { app: createApp(deps), deps, close: () => db.close() };
}

function configOrExit(): Readonly<ServerConfig> {
  const r = loadServerConfig(processEnv());
  if (!r.ok) {
    console.error(r.error);
    Deno.exit(1);
  }
  return r.value;
}

async function main(args: string[]): Promise<void> {
  const config = configOrExit();
  const logger = createLogger({ level: config.logLevel });
  if (args[0] === "migrate") {
    const db = await openDatabase({
      databaseUrl: config.databaseUrl ?? undefined,
      dataDir: config.dataDir,
      logger,
    });
    try {
      const applied = await migrate(db.sql);
      const seeded = await seedPricingRates(db.sql, defaultPriceTable());
      console.log(applied.length ? `Applied ${applied.join(", ")}` : "Database is up to date");
      if (seeded) console.log(`Seeded ${seeded} pricing rates`);
    } finally {
      await db.close();
    }
    return;
  }
  if (args.length && args[0] !== "serve") {
    console.error(`Unknown command ${args[0]}: use no argument (serve) or "migrate"`);
    Deno.exit(1);
  }
  const rt = await buildRuntime(config, logger);
  const server = Deno.serve({
    port: config.port,
    hostname: config.host,
    onListen: ({ hostname, port }) => logger.info("Server listening", { hostname, port }),
  }, rt.app.fetch);
  const stop = async () => {
    logger.info("Shutting down");
    await server.shutdown();
    await rt.close();
    Deno.exit(0);
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(sig, stop);
    } catch { /* signal unsupported on this platform */ }
  }
  await server.finished;
}

if (import.meta.main) await main(Deno.args);
