/**
 * @module The release feed: the GitHub Releases API of the project repository (or
 * `HALTON_METER_UPDATE_URL`), parsing its JSON, choosing this platform's binary among the assets
 * (named as `scripts/compile.ts` names them) and reading `SHA256SUMS`. Network calls return
 * Results with one-line, sentence-case errors; everything else is pure.
 */
import { z } from "zod";
import { err, ok, type Result } from "../../shared/result.ts";
import { VERSION } from "../version.ts";
import { compareSemver, parseSemver, toTag } from "./semver.ts";

/** The GitHub repository whose releases carry the binaries (`.github/workflows/release.yml`). */
export const RELEASES_REPO = "halton-meter/halton-meter";

/** The releases API base of {@link RELEASES_REPO}. */
export const DEFAULT_FEED_BASE = `https://api.github.com/repos/${RELEASES_REPO}/releases`;

/** The name of the checksum asset (`sha256sum halton-meter-* > SHA256SUMS`). */
export const SHA256SUMS_ASSET = "SHA256SUMS";

/** Release channels: `stable` is the latest non-pre-release; `beta` also considers pre-releases. */
export const CHANNELS = ["stable", "beta"] as const;
/** A release channel. */
export type Channel = typeof CHANNELS[number];

const Asset = z.object({ name: z.string(), browser_download_url: z.string() });
/** The part of a GitHub release the updater reads. */
export const Release = z.object({
  tag_name: z.string().min(1),
  html_url: z.string().optional(),
  draft: z.boolean().optional(),
  prerelease: z.boolean().optional(),
  assets: z.array(Asset),
});
/** A release as served by the feed. */
export type Release = z.infer<typeof Release>;
/** One downloadable file of a release. */
export type Asset = z.infer<typeof Asset>;

/** The targets `scripts/compile.ts` builds, keyed by `${Deno.build.os}-${Deno.build.arch}`. */
const TARGET_BY_PLATFORM: Record<string, string> = {
  "linux-x86_64": "x86_64-unknown-linux-gnu",
  "linux-aarch64": "aarch64-unknown-linux-gnu",
  "darwin-x86_64": "x86_64-apple-darwin",
  "darwin-aarch64": "aarch64-apple-darwin",
};

/** The compile target triple for an OS/arch pair; null when no binary is built for it. */
export function platformTarget(os: string, arch: string): string | null {
  return TARGET_BY_PLATFORM[`${os}-${arch}`] ?? null;
}

/** The release asset name of a target's binary (`dist/halton-meter-<target>`). */
export function assetName(target: string): string {
  return `halton-meter-${target}`;
}

/**
 * The feed base (the `…/releases` URL) from `HALTON_METER_UPDATE_URL` when set, else GitHub.
 * A value ending in `/latest` is accepted too (it is the latest-release URL itself).
 */
export function feedBase(envUrl: string | undefined): string {
  const base = (envUrl?.trim() || DEFAULT_FEED_BASE).replace(/\/+$/, "");
  return base.replace(/\/latest$/, "");
}

/** The URL the release for a channel (or a pinned version) is read from. */
export function feedUrl(base: string, pick: { channel: Channel; version?: string }): string {
  if (pick.version) return `${base}/tags/${encodeURIComponent(toTag(pick.version))}`;
  return pick.channel === "stable" ? `${base}/latest` : base;
}

/** What {@link selectAssets} found: the binary and the checksum file. */
export interface SelectedAssets {
  binary: Asset;
  sums: Asset;
}

/** Picks this target's binary and `SHA256SUMS` from a release; an error names what is missing. */
export function selectAssets(release: Release, target: string | null): Result<SelectedAssets> {
  if (target === null) {
    return err(`Release ${release.tag_name} has no binary for this platform (${platformLabel()})`);
  }
  const name = assetName(target);
  const binary = release.assets.find((a) => a.name === name);
  if (!binary) return err(`Release ${release.tag_name} has no binary for ${target} (${name})`);
  const sums = release.assets.find((a) => a.name === SHA256SUMS_ASSET);
  if (!sums) return err(`Release ${release.tag_name} has no ${SHA256SUMS_ASSET} to verify ${name}`);
  return ok({ binary, sums });
}

function platformLabel(): string {
  return `${Deno.build.os}-${Deno.build.arch}`;
}

/** The lowercase hex SHA-256 listed for `name` in a `sha256sum` output; null when absent. */
export function checksumFor(sums: string, name: string): string | null {
  for (const line of sums.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64})\s+\*?(.+?)\s*$/.exec(line.trim());
    if (m && m[2] === name) return m[1].toLowerCase();
  }
  return null;
}

/** Picks the newest non-draft release of a list (the `beta` channel); null when there is none. */
export function newestRelease(releases: Release[]): Release | null {
  let best: Release | null = null;
  for (const r of releases) {
    const v = parseSemver(r.tag_name);
    if (r.draft || !v) continue;
    if (!best || compareSemver(v, parseSemver(best.tag_name)!) > 0) best = r;
  }
  return best;
}

/** First line of an error, for one-line messages. */
export function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n")[0].trim();
}

/**
 * GETs a URL with the updater's headers; a failure is a one-line error naming the cause (with
 * the `message` of a JSON error body, e.g. GitHub's rate-limit notice).
 */
export async function get(
  url: string,
  timeoutMs: number,
  accept = "application/vnd.github+json",
): Promise<Result<Response>> {
  try {
    const res = await fetch(url, {
      headers: { accept, "user-agent": `halton-meter/${VERSION}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) {
      const detail = errorDetail(await res.text().catch(() => ""));
      const status = `${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
      const extra = detail && detail !== res.statusText ? ` (${detail})` : "";
      return err(`${url} answered ${status}${extra}`);
    }
    return ok(res);
  } catch (e) {
    return err(`cannot reach ${url}: ${firstLine(e)}`);
  }
}

/** The `message` of a JSON error body, on one line and at most 160 characters; "" otherwise. */
export function errorDetail(body: string): string {
  try {
    const msg = (JSON.parse(body) as { message?: unknown }).message;
    if (typeof msg !== "string") return "";
    const line = msg.replace(/\s+/g, " ").trim();
    return line.length > 160 ? `${line.slice(0, 157)}...` : line;
  } catch {
    return "";
  }
}

/** Reads the release to consider from the feed: latest for the channel, or a pinned version. */
export async function fetchRelease(
  base: string,
  pick: { channel: Channel; version?: string },
  timeoutMs = 15_000,
): Promise<Result<Release>> {
  const url = feedUrl(base, pick);
  const fail = (why: string) => err(`Cannot check for updates: ${why}`);
  const res = await get(url, timeoutMs);
  if (!res.ok) {
    if (pick.version && / answered 404/.test(res.error)) {
      return err(`Cannot find release ${toTag(pick.version)}: ${res.error}`);
    }
    return fail(res.error);
  }
  let body: unknown;
  try {
    body = JSON.parse(await res.value.text());
  } catch {
    return fail(`${url} did not answer JSON`);
  }
  if (pick.version || pick.channel === "stable") {
    const parsed = Release.safeParse(body);
    if (!parsed.success) return fail(`${url} did not answer a release (${issue(parsed.error)})`);
    return ok(parsed.data);
  }
  const list = z.array(Release).safeParse(body);
  if (!list.success) return fail(`${url} did not answer a list of releases (${issue(list.error)})`);
  const newest = newestRelease(list.data);
  return newest ? ok(newest) : fail(`${url} lists no release with a semantic version tag`);
}

function issue(e: z.ZodError): string {
  const first = e.issues[0];
  return first ? `${first.path.join(".") || "body"}: ${first.message}` : "invalid";
}
