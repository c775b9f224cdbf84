/**
 * @module Installing a release binary: where to install (the running compiled binary, refused
 * under `deno run`), streaming the download into a temp file beside the target while hashing it,
 * checking the SHA-256 and atomically renaming it over the target (mode 0755). On any failure the
 * temp file is removed and the target is untouched.
 */
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { err, ok, type Result } from "../../shared/result.ts";
import { firstLine, get } from "./release.ts";

/** How this process runs, as far as installing goes. */
export interface Runtime {
  /** `Deno.execPath()`. */
  execPath: string;
  /** `Deno.build.standalone`: true in a `deno compile` binary. */
  standalone: boolean;
}

/** The running process's {@link Runtime}. */
export function currentRuntime(): Runtime {
  return { execPath: Deno.execPath(), standalone: Deno.build.standalone === true };
}

/** True when the executable is the Deno CLI itself (running under `deno run`), not our binary. */
export function isDenoCli(rt: Runtime): boolean {
  const name = basename(rt.execPath).toLowerCase();
  return !rt.standalone || name === "deno" || name === "deno.exe";
}

/**
 * The file to replace: `targetPath` when given (tests, custom installs), else the running
 * compiled binary. Under `deno run` there is no binary of ours to replace: an error says so.
 */
export function resolveInstallPath(rt: Runtime, targetPath?: string): Result<string> {
  if (targetPath) return ok(targetPath);
  if (isDenoCli(rt)) {
    return err(
      `Cannot update: this is running under \`deno run\` (${rt.execPath}), not the compiled halton-meter binary; update the sources with \`git pull\` instead`,
    );
  }
  return ok(rt.execPath);
}

/** Download progress: bytes received so far and the total when the server sent a length. */
export type Progress = (received: number, total: number | null) => void;

/** One progress line: `Downloading name  12.3 / 45.6 MB  27%`. */
export function progressLine(name: string, received: number, total: number | null): string {
  const mb = (n: number) => (n / 1_048_576).toFixed(1);
  if (total === null || total <= 0) return `Downloading ${name}  ${mb(received)} MB`;
  const pct = Math.min(100, Math.floor((received / total) * 100));
  return `Downloading ${name}  ${mb(received)} / ${mb(total)} MB  ${pct}%`;
}

/** Lowercase hex SHA-256 of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** What {@link installBinary} needs. */
export interface InstallRequest {
  /** The binary asset's download URL. */
  url: string;
  /** Its name (for messages and the progress line). */
  name: string;
  /** The SHA-256 the release's SHA256SUMS lists for it. */
  expectedSha256: string;
  /** The file to replace. */
  targetPath: string;
  onProgress?: Progress;
  timeoutMs?: number;
}

/** Resolves a symlinked target to the file it points at, so the link itself survives. */
async function realTarget(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch {
    return path; // not there yet: it is created
  }
}

/**
 * Downloads `url` into a temp file in the target's directory (hashing as it goes), verifies the
 * SHA-256, sets mode 0755 and renames it over the target. Returns the path replaced.
 */
export async function installBinary(req: InstallRequest): Promise<Result<string>> {
  const target = await realTarget(req.targetPath);
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.update-${Deno.pid}-${crypto.randomUUID()}.tmp`);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o755 });
  } catch (e) {
    const hint = e instanceof Deno.errors.PermissionDenied
      ? "; rerun as a user who may write there (e.g. with sudo)"
      : "";
    return err(`Cannot update ${target}: cannot write in ${dir} (${firstLine(e)})${hint}`);
  }
  const cleanup = async () => await Deno.remove(tmp).catch(() => {});
  let closed = false;
  try {
    const res = await get(req.url, req.timeoutMs ?? 600_000, "application/octet-stream");
    if (!res.ok) {
      file.close();
      closed = true;
      await cleanup();
      return err(`Cannot download ${req.name}: ${res.error}`);
    }
    const lengthHeader = res.value.headers.get("content-length");
    const total = lengthHeader && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
    const hash = createHash("sha256");
    let received = 0;
    req.onProgress?.(0, total);
    for await (const chunk of res.value.body ?? new ReadableStream<Uint8Array>()) {
      hash.update(chunk);
      let off = 0;
      while (off < chunk.length) off += await file.write(chunk.subarray(off));
      received += chunk.length;
      req.onProgress?.(received, total);
    }
    file.close();
    closed = true;
    const actual = hash.digest("hex");
    if (actual !== req.expectedSha256.toLowerCase()) {
      await cleanup();
      return err(
        `Checksum mismatch for ${req.name}: SHA256SUMS lists ${
          req.expectedSha256.slice(0, 12)
        }…, the download is ${actual.slice(0, 12)}…; nothing was replaced`,
      );
    }
    await Deno.chmod(tmp, 0o755);
    await Deno.rename(tmp, target);
    return ok(target);
  } catch (e) {
    if (!closed) {
      try {
        file.close();
      } catch { /* already closed */ }
    }
    await cleanup();
    return err(`Cannot update ${target}: ${firstLine(e)}; nothing was replaced`);
  }
}
