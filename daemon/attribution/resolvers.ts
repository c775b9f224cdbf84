/**
 * @module The resolver chain. Request-level resolvers (header, path label) run first and cost
 * nothing; then the client process is found from its source port and its working directory,
 * environment and parents are asked in order; then the API key map and the default.
 * The first answer with a project wins; every answer asked is kept in the trail.
 */
import { basename } from "node:path";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import { gitProject } from "./git.ts";
import { ideLabelFromChain } from "./ide.ts";
import type { ProcessInspector } from "./process.ts";
import { findRcFile } from "./rcfile.ts";
import { isSlug, slugify } from "./slug.ts";
import { type Attribution, type ResolverAnswer, UNATTRIBUTED } from "./types.ts";

/** The environment variable a client process can set to name its project. */
export const ENV_VAR = "HALTON_METER_PROJECT";
/** How many ancestors the IDE resolver looks at. */
export const MAX_PARENTS = 24;

/** What is known about one request, before process lookup. */
export interface ResolveInput {
  header: string | null;
  pathLabel: string | null;
  apiKeySha256: string | null;
  /** The client process, if known. */
  pid: number | null;
  /** Its working directory; looked up from `pid` when undefined. */
  cwd?: string | null;
  /** Why the pid is unknown, for the trail. */
  pidDetail?: string;
}

/** The process-based part of a resolution, cacheable per pid. */
export interface ProcessAnswers {
  cwd: string | null;
  answers: ResolverAnswer[];
}

/** Turns an explicit label into a slug: kept when valid, else normalised (or rejected). */
function explicit(
  resolver: string,
  value: string | null | undefined,
  from: string,
): ResolverAnswer {
  if (value === null || value === undefined || value.trim() === "") {
    return { resolver, project: null, detail: `no ${from}` };
  }
  const v = value.trim();
  if (isSlug(v)) return { resolver, project: v, detail: from };
  const s = slugify(v);
  return s
    ? { resolver, project: s, detail: `${from} "${v}" normalised` }
    : { resolver, project: null, detail: `${from} "${v}" is not a usable slug` };
}

/**
 * Asks the process-based resolvers in order (rcfile, env, parent_ide_argv_label, git, workdir).
 * Stops at the first project unless `full`. A corrupt rcfile is logged and skipped.
 */
export async function processAnswers(
  inspector: ProcessInspector,
  pid: number | null,
  cwdIn: string | null | undefined,
  opts: { full: boolean; logger: Logger; onRcError?: (msg: string) => void },
): Promise<ProcessAnswers> {
  const answers: ResolverAnswer[] = [];
  const cwd = cwdIn !== undefined ? cwdIn : pid !== null ? await inspector.cwd(pid) : null;
  const done = () => !opts.full && answers.some((a) => a.project !== null);

  // rcfile
  if (cwd === null) {
    answers.push({ resolver: "rcfile", project: null, detail: "working directory unknown" });
  } else {
    const rc = findRcFile(cwd);
    if (!rc.ok) {
      opts.logger.error(rc.error, { resolver: "rcfile", pid });
      opts.onRcError?.(rc.error);
      answers.push({ resolver: "rcfile", project: null, detail: rc.error });
    } else if (rc.value) {
      answers.push({ resolver: "rcfile", project: rc.value.project, detail: rc.value.path });
    } else answers.push({ resolver: "rcfile", project: null, detail: "no .halton-meter.toml" });
  }
  if (done()) return { cwd, answers };

  // env
  if (pid === null) answers.push({ resolver: "env", project: null, detail: "no process" });
  else {
    const v = await inspector.env(pid, ENV_VAR);
    answers.push(
      v === undefined
        ? { resolver: "env", project: null, detail: "environment unreadable" }
        : explicit("env", v, ENV_VAR),
    );
  }
  if (done()) return { cwd, answers };

  // parent_ide_argv_label
  if (pid === null) {
    answers.push({ resolver: "parent_ide_argv_label", project: null, detail: "no process" });
  } else {
    const chain = await inspector.chain(pid, MAX_PARENTS);
    answers.push({ resolver: "parent_ide_argv_label", ...ideLabelFromChain(chain) });
  }
  if (done()) return { cwd, answers };

  // git, workdir
  if (cwd === null) {
    answers.push({ resolver: "git", project: null, detail: "working directory unknown" });
    answers.push({ resolver: "workdir", project: null, detail: "working directory unknown" });
    return { cwd, answers };
  }
  answers.push({ resolver: "git", ...gitProject(cwd) });
  if (done()) return { cwd, answers };
  const w = slugify(basename(cwd));
  answers.push({ resolver: "workdir", project: w, detail: w ? cwd : `${cwd} has no usable name` });
  return { cwd, answers };
}

/** The api_key_map answer: the longest configured prefix of the key's SHA-256. */
export function apiKeyAnswer(config: Config, sha: string | null): ResolverAnswer {
  if (!sha) return { resolver: "api_key_map", project: null, detail: "no API key" };
  let best: [string, string] | null = null;
  for (const [prefix, project] of Object.entries(config.attribution.api_keys)) {
    if (sha.startsWith(prefix) && (!best || prefix.length > best[0].length)) {
      best = [prefix, project];
    }
  }
  return best ? { resolver: "api_key_map", project: best[1], detail: `key sha256 ${best[0]}…` } : {
    resolver: "api_key_map",
    project: null,
    detail: `key sha256 ${sha.slice(0, 8)}… not mapped`,
  };
}

/** The default answer: `[attribution] default_project`, else `unattributed`. Always a project. */
export function defaultAnswer(config: Config): ResolverAnswer {
  const d = config.attribution.default_project;
  return d
    ? { resolver: "default", project: d, detail: "[attribution] default_project" }
    : { resolver: "default", project: UNATTRIBUTED, detail: "no default_project configured" };
}

/**
 * Runs the whole chain. `processPart` supplies the (possibly cached) process answers; it is
 * only called when neither the header nor the path label decided.
 */
export async function runChain(
  input: ResolveInput,
  config: Config,
  processPart: () => Promise<ProcessAnswers>,
  full: boolean,
): Promise<Attribution> {
  const trail: ResolverAnswer[] = [];
  let cwd: string | null = null;
  const finish = (): Attribution => {
    const win = trail.find((a) => a.project !== null)!;
    return {
      project_id: win.project!,
      attribution_method: win.resolver,
      trail,
      source_workdir: cwd,
      client_pid: input.pid,
    };
  };
  const decided = () => !full && trail.some((a) => a.project !== null);
  trail.push(explicit("header", input.header, "X-Halton-Project header"));
  if (decided()) return finish();
  trail.push(explicit("path_label", input.pathLabel, "/p/<slug>/ path label"));
  if (decided()) return finish();
  if (input.pid === null && input.cwd == null) {
    const why = input.pidDetail ?? "client process not found";
    for (const r of ["rcfile", "env", "parent_ide_argv_label", "git", "workdir"]) {
      trail.push({ resolver: r, project: null, detail: why });
    }
  } else {
    const p = await processPart();
    cwd = p.cwd;
    trail.push(...p.answers);
  }
  if (decided()) return finish();
  trail.push(apiKeyAnswer(config, input.apiKeySha256));
  if (decided()) return finish();
  trail.push(defaultAnswer(config));
  return finish();
}
