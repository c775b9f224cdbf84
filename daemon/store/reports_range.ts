/**
 * @module Time ranges for reports, exports, prunes and the dashboard: `30d`, `24h`, `90m`, `2w`,
 * a UTC date (`2026-11-01`, midnight UTC) or a full ISO-8601 time. Ranges are [since, until).
 */
import { err, ok, type Result } from "../../shared/result.ts";

/** A half-open time range as sortable ISO-8601 UTC strings. */
export interface TimeRange {
  since: string;
  until: string;
}

/** The open end used when no `--until` is given. */
export const END_OF_TIME = "9999-12-31T23:59:59.999Z";
/** The open start used for "everything". */
export const START_OF_TIME = "0000-01-01T00:00:00.000Z";

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses one time argument relative to `now`. Durations go back from now; a bare date is its
 * midnight UTC. The error names the flag and says what is accepted.
 */
export function parseTimeArg(flag: string, value: string, now: Date): Result<Date, string> {
  const v = value.trim();
  const bad = () =>
    err(
      `Cannot parse ${flag} "${value}": use a duration like 30d, 24h, 90m, 2w, a date like 2026-11-01 or an ISO time`,
    );
  if (v === "now") return ok(new Date(now.getTime()));
  const dur = /^(\d{1,9})([smhdw])$/.exec(v);
  if (dur) {
    const d = new Date(now.getTime() - Number(dur[1]) * UNIT_MS[dur[2]]);
    return Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1 ? bad() : ok(d);
  }
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (day) {
    const d = new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])));
    // Reject dates that roll over (2026-02-30).
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) return bad();
    return ok(d);
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(v)) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? bad() : ok(new Date(t));
  }
  return bad();
}

/**
 * Builds a range from optional `--since` / `--until` values (`defaultSince` when since is
 * absent, no upper bound when until is absent). Fails when since is later than until.
 */
export function parseRange(
  opts: { since?: string; until?: string; defaultSince?: string | null },
  now: Date = new Date(),
): Result<TimeRange, string> {
  const sinceArg = opts.since ?? opts.defaultSince ?? null;
  let since = START_OF_TIME;
  if (sinceArg !== null) {
    const s = parseTimeArg("--since", sinceArg, now);
    if (!s.ok) return s;
    since = s.value.toISOString();
  }
  let until = END_OF_TIME;
  if (opts.until !== undefined) {
    const u = parseTimeArg("--until", opts.until, now);
    if (!u.ok) return u;
    until = u.value.toISOString();
  }
  if (since > until) {
    return err(`--since ${sinceArg} (${since}) is later than --until ${opts.until} (${until})`);
  }
  return ok({ since, until });
}
