/**
 * @module `.halton-meter.toml`: the per-directory project file. The nearest one walking up from a
 * working directory wins. A corrupt file is an error value, never an exception.
 */
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { dirname, join } from "node:path";
import { err, ok, type Result } from "../../shared/result.ts";
import { slugProblem } from "./slug.ts";

/** The project file's name. */
export const RCFILE_NAME = ".halton-meter.toml";

/** A found project file. */
export interface RcFile {
  path: string;
  project: string;
}

/** Parses a project file's text; the error is one line naming the file and the problem. */
export function parseRcFile(path: string, text: string): Result<RcFile, string> {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0];
    return err(`Cannot parse ${path}: ${msg}`);
  }
  const project = raw.project;
  if (typeof project !== "string") {
    return err(`Cannot parse ${path}: project must be a string, e.g. project = "my-app"`);
  }
  const problem = slugProblem(project);
  if (problem) {
    return err(`Cannot parse ${path}: project "${project}" is not a valid slug: ${problem}`);
  }
  return ok({ path, project });
}

/**
 * Finds the nearest project file from `dir` upwards. Ok(null) when there is none; an error when
 * the nearest one cannot be read or parsed (resolution does not skip past a broken file).
 */
export function findRcFile(dir: string): Result<RcFile | null, string> {
  let cur = dir;
  for (let i = 0; i < 64; i++) {
    const path = join(cur, RCFILE_NAME);
    let text: string | null = null;
    try {
      text = Deno.readTextFileSync(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory)) {
        if (!(e instanceof Deno.errors.PermissionDenied)) {
          return err(`Cannot read ${path}: ${(e as Error).message.split("\n")[0]}`);
        }
      }
    }
    if (text !== null) return parseRcFile(path, text);
    const up = dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  return ok(null);
}

/**
 * Writes (or updates) `.halton-meter.toml` in `dir` with `project = slug`, keeping other keys.
 * Fails on an invalid slug or a corrupt existing file.
 */
export function writeRcFile(dir: string, slug: string): Result<RcFile, string> {
  const problem = slugProblem(slug);
  if (problem) return err(`Invalid project slug "${slug}": ${problem}`);
  const path = join(dir, RCFILE_NAME);
  let existing: Record<string, unknown> = {};
  try {
    const text = Deno.readTextFileSync(path);
    try {
      existing = parseToml(text) as Record<string, unknown>;
    } catch (e) {
      const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0];
      return err(`Cannot parse ${path}: ${msg}; fix or delete it first`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      return err(`Cannot read ${path}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  const body = stringifyToml({ ...existing, project: slug });
  try {
    Deno.writeTextFileSync(path, `# halton-meter project for this directory and below\n${body}\n`);
  } catch (e) {
    return err(`Cannot write ${path}: ${(e as Error).message.split("\n")[0]}`);
  }
  return ok({ path, project: slug });
}
