/** @module The server's small structured JSON-lines logger (the server never imports daemon/). */

/** A logger writes one JSON object per line. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_VALUES = /(hm_sync_[A-Za-z0-9_\-]+|hm_pat_[A-Za-z0-9_\-]+|Bearer\s+[A-Za-z0-9._\-]+)/g;

/** Creates a logger writing to stderr (or `write`), dropping lines under `level`. */
export function createLogger(
  opts: { level?: Level; write?: (line: string) => void } = {},
): Logger {
  const min = ORDER[opts.level ?? "info"];
  const enc = new TextEncoder();
  const write = opts.write ?? ((line: string) => {
    try {
      Deno.stderr.writeSync(enc.encode(line + "\n"));
    } catch { /* stderr closed */ }
  });
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const line = JSON.stringify({ ts: new Date().toISOString(), level, msg, ...fields });
    write(line.replace(SECRET_VALUES, "[redacted]"));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
