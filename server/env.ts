/** @module Server configuration from environment variables, parsed once through zod into a frozen object. */
import { z } from "zod";
import { err, ok, type Result } from "../shared/result.ts";

/** The server's configuration. */
export interface ServerConfig {
  /** Port for `deno task server` (default 8787). */
  port: number;
  /** Interface to bind (default 0.0.0.0). */
  host: string;
  /** Postgres URL; null → embedded PGlite under `dataDir`. */
  databaseUrl: string | null;
  /** PGlite data directory (default `./.data`). */
  dataDir: string;
  /** Origin shown in `approve_url` (`<url>/connect?code=…`); null → the request's own origin. */
  pairingDashboardUrl: string | null;
  /** Trust `X-Forwarded-For` for the client IP (behind a proxy / Deno Deploy). */
  trustProxy: boolean;
  /** Session lifetime in hours. */
  sessionTtlHours: number;
  /** Log level. */
  logLevel: "debug" | "info" | "warn" | "error";
}

const bool = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must start with postgres://").optional(),
  HALTON_SERVER_DATA: z.string().min(1).default("./.data"),
  PAIRING_DASHBOARD_URL: z.url().optional(),
  HALTON_TRUST_PROXY: bool.default(false),
  HALTON_SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24 * 14),
  HALTON_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

/** Every environment variable the server reads. */
export const ENV_VARS = Object.keys(EnvSchema.shape);

/** Parses the environment; fails listing every problem. */
export function loadServerConfig(
  env: Record<string, string | undefined>,
): Result<Readonly<ServerConfig>, string> {
  const picked: Record<string, string> = {};
  for (const k of ENV_VARS) {
    const v = env[k];
    if (v !== undefined && v !== "") picked[k] = v;
  }
  const r = EnvSchema.safeParse(picked);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join(".")} ${i.message}`);
    return err(`Cannot start the server: ${lines.join("; ")}`);
  }
  const e = r.data;
  return ok(Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL ?? null,
    dataDir: e.HALTON_SERVER_DATA,
    pairingDashboardUrl: e.PAIRING_DASHBOARD_URL?.replace(/\/+$/, "") ?? null,
    trustProxy: e.HALTON_TRUST_PROXY,
    sessionTtlHours: e.HALTON_SESSION_TTL_HOURS,
    logLevel: e.HALTON_LOG_LEVEL,
  }));
}

/** Reads the process environment (only the variables the server knows). */
export function processEnv(): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const k of ENV_VARS) out[k] = Deno.env.get(k);
  return out;
}
