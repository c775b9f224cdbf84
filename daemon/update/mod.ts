/**
 * @module Self-update: reading the release feed, comparing versions, and installing this
 * platform's binary after checking it against the release's `SHA256SUMS`. The CLI
 * (`daemon/cli/update.ts`) does the talking; this module does the work and returns Results.
 */
import { err, ok, type Result } from "../../shared/result.ts";
import { installBinary, type Progress } from "./apply.ts";
import {
  type Channel,
  checksumFor,
  fetchRelease,
  get,
  type Release,
  selectAssets,
} from "./release.ts";
import { compareSemver, parseSemver, toTag } from "./semver.ts";

export * from "./semver.ts";
export * from "./release.ts";
export * from "./apply.ts";

/** What the feed says compared with this version (the `--check --json` shape). */
export interface UpdateCheck {
  /** This binary's version tag, e.g. `v0.1.0`. */
  current: string;
  /** The release considered: the channel's latest, or the `--to` version. */
  latest: string;
  channel: Channel;
  /** True when `latest` is newer (or, with `--to`, merely different). */
  update_available: boolean;
  /** True when `--to` pinned the version (a downgrade is then allowed). */
  pinned: boolean;
}

/** Where and what to check. */
export interface CheckOptions {
  /** The feed base (`feedBase(env)`). */
  base: string;
  channel: Channel;
  /** `--to`: a specific version instead of the channel's latest. */
  version?: string;
  /** This binary's version. */
  current: string;
  timeoutMs?: number;
}

/** Reads the feed and compares its release with `current`. */
export async function checkForUpdate(
  opts: CheckOptions,
): Promise<Result<{ check: UpdateCheck; release: Release }>> {
  if (opts.version !== undefined && !parseSemver(opts.version)) {
    return err(`Invalid --to "${opts.version}": expected a version like 1.2.3 or v1.2.3-rc.1`);
  }
  const fetched = await fetchRelease(
    opts.base,
    { channel: opts.channel, version: opts.version },
    opts.timeoutMs,
  );
  if (!fetched.ok) return fetched;
  const release = fetched.value;
  const latest = parseSemver(release.tag_name);
  if (!latest) {
    return err(`Cannot check for updates: release tag "${release.tag_name}" is not a version`);
  }
  const current = parseSemver(opts.current);
  if (!current) {
    return err(`Cannot check for updates: this version "${opts.current}" is not semver`);
  }
  const order = compareSemver(latest, current);
  return ok({
    release,
    check: {
      current: toTag(opts.current),
      latest: release.tag_name,
      channel: opts.channel,
      update_available: opts.version !== undefined ? order !== 0 : order > 0,
      pinned: opts.version !== undefined,
    },
  });
}

/** Installing a release's binary for `target` over `targetPath`. */
export interface ApplyOptions {
  release: Release;
  /** The compile target triple (`platformTarget(os, arch)`); null when unsupported. */
  target: string | null;
  targetPath: string;
  onProgress?: (name: string) => Progress;
  timeoutMs?: number;
}

/**
 * Picks the binary and SHA256SUMS, reads the listed checksum, downloads, verifies and replaces.
 * Returns the path replaced. Nothing is touched unless the checksum matches.
 */
export async function applyRelease(opts: ApplyOptions): Promise<Result<string>> {
  const assets = selectAssets(opts.release, opts.target);
  if (!assets.ok) return assets;
  const { binary, sums } = assets.value;
  const sumsRes = await get(sums.browser_download_url, opts.timeoutMs ?? 30_000, "*/*");
  if (!sumsRes.ok) return err(`Cannot download SHA256SUMS: ${sumsRes.error}`);
  let text: string;
  try {
    text = await sumsRes.value.text();
  } catch (e) {
    return err(`Cannot download SHA256SUMS: ${(e as Error).message.split("\n")[0]}`);
  }
  const expected = checksumFor(text, binary.name);
  if (!expected) {
    return err(`SHA256SUMS of ${opts.release.tag_name} lists no checksum for ${binary.name}`);
  }
  return await installBinary({
    url: binary.browser_download_url,
    name: binary.name,
    expectedSha256: expected,
    targetPath: opts.targetPath,
    onProgress: opts.onProgress?.(binary.name),
    timeoutMs: opts.timeoutMs,
  });
}
