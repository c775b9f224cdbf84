/**
 * @module The daemon's local HTTP server on 127.0.0.1:[dashboard].port: the dashboard pages and
 * the local JSON API the CLI uses. Route groups are mounted from a list (see routes.ts), so each
 * area adds its own without touching the others.
 */
import { Hono } from "hono";
import type { Config } from "../config.ts";
import type { HomePaths } from "../home.ts";
import type { Logger } from "../log.ts";
import type { Store } from "../store/store.ts";

/** The cloud supervisor's control surface (defined by the cloud module; opaque here). */
export type CloudControl = object;

/** What every route group receives. */
export interface LocalDeps {
  store: Store;
  config: Config;
  paths: HomePaths;
  logger: Logger;
  startedAt: Date;
  proxyAddr: { hostname: string; port: number };
  cloud?: CloudControl;
}

/** A route group: mounts its routes on the app. */
export type LocalRoutes = (app: Hono, deps: LocalDeps) => void;

/** A listening local API server. */
export interface LocalServer {
  hostname: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Builds the app with every group mounted. Requests whose Host header is not a loopback name
 * are refused (403), so a web page cannot reach the API through DNS rebinding.
 */
export function createLocalApp(deps: LocalDeps, groups: LocalRoutes[]): Hono {
  const app = new Hono();
  app.use("*", async (c, next) => {
    const host = (c.req.header("host") ?? "").toLowerCase();
    const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
    if (!LOOPBACK_HOSTS.has(name)) {
      return c.json({
        error: { code: "forbidden_host", message: "Only loopback Host names are served" },
      }, 403);
    }
    await next();
  });
  for (const group of groups) group(app, deps);
  app.notFound((c) =>
    c.json(
      { error: { code: "not_found", message: `No route for ${c.req.method} ${c.req.path}` } },
      404,
    )
  );
  app.onError((e, c) => {
    deps.logger.error("local api error", { path: c.req.path, error: e });
    return c.json(
      { error: { code: "internal", message: "Internal error; see daemon.err.log" } },
      500,
    );
  });
  return app;
}

/** Serves the app on a loopback address; port 0 picks a free port. */
export function serveLocalApp(
  app: Hono,
  opts: { hostname: string; port: number; logger: Logger },
): Promise<LocalServer> {
  return new Promise((resolve, reject) => {
    const ac = new AbortController();
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        hostname: opts.hostname,
        port: opts.port,
        signal: ac.signal,
        onListen: () => {},
        onError: (e) => {
          opts.logger.error("local api error", { error: e });
          return new Response("internal error", { status: 500 });
        },
      }, app.fetch);
    } catch (e) {
      reject(new Error(`Cannot listen on ${opts.hostname}:${opts.port}: ${(e as Error).message}`));
      return;
    }
    resolve({
      hostname: server.addr.hostname,
      port: server.addr.port,
      close: async () => {
        ac.abort();
        await server.finished;
      },
    });
  });
}
