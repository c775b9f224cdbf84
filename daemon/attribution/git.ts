/**
 * @module The `git` resolver: the repository containing a directory, named by its `origin`
 * remote (`owner/repo` → `repo`) or else by its root folder. Reads `.git` files directly; it
 * never spawns git on the hot path.
 */
import { basename, dirname, isAbsolute, join } from "node:path";
import { slugify } from "./slug.ts";

/** A repository found above a directory. */
export interface GitRepo {
  /** The work tree's root folder. */
  root: string;
  /** The `origin` remote URL, if any. */
  originUrl: string | null;
}

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

/** Finds the git directory holding `config` for a `.git` entry (dir, or `gitdir:` file). */
function configDir(dotGit: string): string | null {
  if (isDir(dotGit)) return dotGit;
  const text = readText(dotGit);
  const m = text ? /^gitdir:\s*(.+)\s*$/m.exec(text) : null;
  if (!m) return null;
  const gitDir = isAbsolute(m[1]) ? m[1] : join(dirname(dotGit), m[1]);
  // Linked worktrees keep the shared config in the common dir.
  const common = readText(join(gitDir, "commondir"))?.trim();
  if (common) return isAbsolute(common) ? common : join(gitDir, common);
  return gitDir;
}

/** Extracts `[remote "origin"] url` from git config text. */
export function originFromConfig(text: string): string | null {
  let inOrigin = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("[")) {
      inOrigin = /^\[\s*remote\s+"origin"\s*\]$/.test(line);
      continue;
    }
    if (!inOrigin) continue;
    const m = /^url\s*=\s*(.+)$/.exec(line);
    if (m) return m[1].trim().replace(/^"(.*)"$/, "$1");
  }
  return null;
}

/**
 * Slug of a remote URL: its last path segment without `.git`, so `git@github.com:acme/api.git`
 * and `https://github.com/acme/api` both give `api`. Null when nothing usable is left.
 */
export function slugFromRemote(url: string): string | null {
  const path = url.replace(/[?#].*$/, "").replace(/\/+$/, "").replace(/\.git$/i, "");
  const last = path.split(/[/:\\]/).filter((s) => s.length > 0).pop();
  return last ? slugify(last) : null;
}

/** Finds the repository containing `dir` (walking up), or null. */
export function findGitRepo(dir: string): GitRepo | null {
  let cur = dir;
  for (let i = 0; i < 64; i++) {
    const dotGit = join(cur, ".git");
    let exists = false;
    try {
      Deno.statSync(dotGit);
      exists = true;
    } catch { /* not here */ }
    if (exists) {
      const cfgDir = configDir(dotGit);
      const cfg = cfgDir ? readText(join(cfgDir, "config")) : null;
      return { root: cur, originUrl: cfg ? originFromConfig(cfg) : null };
    }
    const up = dirname(cur);
    if (up === cur) return null;
    cur = up;
  }
  return null;
}

/** The git resolver's project for a directory, with a detail saying where it came from. */
export function gitProject(dir: string): { project: string | null; detail: string } {
  const repo = findGitRepo(dir);
  if (!repo) return { project: null, detail: "not in a git repository" };
  if (repo.originUrl) {
    const s = slugFromRemote(repo.originUrl);
    if (s) return { project: s, detail: `origin ${repo.originUrl}` };
  }
  const s = slugify(basename(repo.root));
  return s
    ? { project: s, detail: `repository root ${repo.root} (no origin remote)` }
    : { project: null, detail: `repository root ${repo.root} has no usable name` };
}
