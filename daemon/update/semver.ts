/**
 * @module Semantic versions (semver 2.0): parsing with an optional `v` prefix, and precedence
 * with pre-releases (`1.0.0-rc.1` < `1.0.0`). Build metadata (`+…`) is ignored. Pure.
 */

/** A parsed semantic version. */
export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers (`rc.1` → `["rc", "1"]`); empty for a release. */
  prerelease: string[];
}

const SEMVER_RE =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/;

/** Parses `v1.2.3`, `1.2.3-rc.1`, `1.2.3+build`; null when it is not a semantic version. */
export function parseSemver(text: string): SemVer | null {
  const m = SEMVER_RE.exec(text.trim());
  if (!m) return null;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] ? m[4].split(".") : [],
  };
}

function compareIdentifiers(a: string, b: string): number {
  const an = /^\d+$/.test(a), bn = /^\d+$/.test(b);
  if (an && bn) return Math.sign(Number(a) - Number(b));
  if (an) return -1; // numeric identifiers sort before alphanumeric ones
  if (bn) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Semver precedence: negative when a < b, 0 when equal, positive when a > b. */
export function compareSemver(a: SemVer, b: SemVer): number {
  for (const k of ["major", "minor", "patch"] as const) {
    if (a[k] !== b[k]) return Math.sign(a[k] - b[k]);
  }
  if (!a.prerelease.length || !b.prerelease.length) {
    // A release outranks any of its pre-releases.
    return Math.sign(b.prerelease.length - a.prerelease.length);
  }
  const n = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < n; i++) {
    const c = compareIdentifiers(a.prerelease[i], b.prerelease[i]);
    if (c !== 0) return c;
  }
  return Math.sign(a.prerelease.length - b.prerelease.length);
}

/** True when `latest` is a strictly newer version than `current`; false when either is not semver. */
export function isNewer(latest: string, current: string): boolean {
  const a = parseSemver(latest), b = parseSemver(current);
  return a !== null && b !== null && compareSemver(a, b) > 0;
}

/** The canonical tag for a version: `1.2.3` → `v1.2.3` (a `v` is kept, never doubled). */
export function toTag(version: string): string {
  const v = version.trim();
  return v.startsWith("v") ? v : `v${v}`;
}
