/** @module One small structured JSON-lines logger. Secrets are redacted before anything is written. */

/** Log levels in increasing severity. */
export type Level = "debug" | "info" | "warn" | "error";

/** A logger writes one JSON object per line. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const SECRET_KEYS =
  /^(authorization|proxy-authorization|x-api-key|x-goog-api-key|api-key|api_key|apikey|token|password|secret|cookie|set-cookie)$/i;
const SECRET_VALUES =
  /(sk-[A-Za-z0-9_\-]{8,}|sk-ant-[A-Za-z0-9_\-]{8,}|hm_sync_[A-Za-z0-9_\-]+|AIza[0-9A-Za-z_\-]{20,}|Bearer\s+[A-Za-z0-9._\-]+)/g;

/** Redacts secret-looking keys and values, recursively. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[deep]";
  if (typeof value === "string") return value.replace(SECRET_VALUES, "[redacted]");
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) {
    return { name: value.name, message: redact(value.message, depth + 1) };
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEYS.test(k) ? "[redacted]" : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Creates a logger. `write` receives each finished line (default: stderr). */
export function createLogger(
  opts: {
    level?: Level;
    write?: (line: string, level: Level) => void;
    fields?: Record<string, unknown>;
  } = {},
): Logger {
  const min = ORDER[opts.level ?? "info"];
  const encoder = new TextEncoder();
  const write = opts.write ??
    ((line: string) => {
      try {
        Deno.stderr.writeSync(encoder.encode(line + "\n"));
      } catch { /* stderr closed: nothing to do */ }
    });
  const base = opts.fields ?? {};
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const rec = { ts: new Date().toISOString(), level, msg, ...base, ...(fields ?? {}) };
    write(JSON.stringify(redact(rec)), level);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger({ ...opts, fields: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (tests, quiet commands). */
export const nullLogger: Logger = createLogger({ write: () => {} });
