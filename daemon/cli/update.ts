/**
 * @module `halton-meter update [--check]`: compares this version with the latest GitHub release
 * and, for the compiled binary, replaces it in place with the release's binary for this target
 * (checked against the release's SHA256SUMS). Running from source, it says to pull instead.
 * `HALTON_METER_UPDATE_URL` overrides the releases API URL (tests, mirrors).
 */
import type { Command } from "commander";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { VERSION } from "../version.ts";
import { CliError } from "./errors.ts";

/** The GitHub repository whose releases carry the binaries (`.github/workflows/release.yml`). */
export const RELEASES_REPO = "halton-meter/halton-meter";

/** The part of a GitHub release this command reads. */
export interface Release {
  tag_name: string;
  html_url?: string;
  assets: { name: string; browser_download_url: string }[];
}

/** Parses "v1.2.3" / "1.2.3" into numbers; null when not a version. */
export function parseVersion(v: string): [number, number, number] | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/** True when `latest` is a newer version than `current`. */
export function isNewer(latest: string, current: string): boolean {
  const a = parseVersion(latest), b = parseVersion(current);
  if (!a || !b) return false;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}

/** Fetches the latest release. */
export async function latestRelease(url: string): Promise<Release> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: "application/vnd.github+json", "user-agent": `halton-meter/${VERSION}` },
      signal: AbortSignal.timeout(15_000),
    });
  } catch (e) {
    throw new CliError(`Cannot check for updates: ${(e as Error).message.split("\n")[0]}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new CliError(`Cannot check for updates: ${url} answered ${res.status}`);
  }
  const body = await res.json().catch(() => null) as Release | null;
  if (!body || typeof body.tag_name !== "string" || !Array.isArray(body.assets)) {
    throw new CliError(`Cannot check for updates: ${url} did not answer with a release`);
  }
  return body;
}

async function download(url: string): Promise<Uint8Array> {
  const res = await fetch(url, { signal: AbortSignal.timeout(300_000) });
  if (!res.ok) {
    await res.body?.cancel();
    throw new CliError(`Cannot download ${url}: ${res.status}`);
  }
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Downloads this target's binary from a release, checks it against SHA256SUMS and atomically
 * replaces `binaryPath` (temp file beside it, mode 0755, rename).
 */
export async function installRelease(
  release: Release,
  target: string,
  binaryPath: string,
): Promise<void> {
  const name = `halton-meter-${target}`;
  const asset = release.assets.find((a) => a.name === name);
  if (!asset) throw new CliError(`Release ${release.tag_name} has no binary for ${target}`);
  const sums = release.assets.find((a) => a.name === "SHA256SUMS");
  if (!sums) {
    throw new CliError(`Release ${release.tag_name} has no SHA256SUMS to verify the binary`);
  }
  const bytes = await download(asset.browser_download_url);
  const listed = new TextDecoder().decode(await download(sums.browser_download_url))
    .split("\n").map((l) => l.trim().split(/\s+/)).find((p) => p[1]?.replace(/^\*/, "") === name)
    ?.[0];
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (listed !== actual) {
    throw new CliError(`The downloaded ${name} does not match SHA256SUMS; nothing was changed`);
  }
  const tmp = join(dirname(binaryPath), `.${name}.${Deno.pid}.tmp`);
  await Deno.writeFile(tmp, bytes, { mode: 0o755 });
  try {
    await Deno.chmod(tmp, 0o755);
    await Deno.rename(tmp, binaryPath);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new CliError(`Cannot replace ${binaryPath}: ${(e as Error).message}`);
  }
}

/** Registers `update`. */
export function register(program: Command): void {
  program
    .command("update")
    .description("check GitHub releases for a newer version and install it (the compiled binary)")
    .option("--check", "only say whether a newer version exists")
    .action(async (opts: { check?: boolean }) => {
      const url = Deno.env.get("HALTON_METER_UPDATE_URL") ??
        `https://api.github.com/repos/${RELEASES_REPO}/releases/latest`;
      const release = await latestRelease(url);
      if (!isNewer(release.tag_name, VERSION)) {
        console.log(`halton-meter ${VERSION} is up to date (latest release: ${release.tag_name}).`);
        return;
      }
      console.log(
        `halton-meter ${release.tag_name} is available (this is ${VERSION})${
          release.html_url ? `: ${release.html_url}` : ""
        }`,
      );
      if (opts.check) return;
      if (!Deno.build.standalone) {
        console.log("Running from source: update with `git pull && deno install`.");
        return;
      }
      await installRelease(release, Deno.build.target, Deno.execPath());
      console.log(
        `Installed ${release.tag_name} at ${Deno.execPath()}; restart the daemon: halton-meter stop && halton-meter start`,
      );
    });
}
