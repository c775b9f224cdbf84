/** @module Attribution's public types: each resolver's answer and the winning project. */
import type { FlowRequest } from "../proxy/flow.ts";

/** Resolver names in the order they run; the first one with a project wins. */
export const RESOLVERS = [
  "header",
  "path_label",
  "rcfile",
  "env",
  "parent_ide_argv_label",
  "git",
  "workdir",
  "api_key_map",
  "default",
] as const;

/** A resolver name, also the stored `attribution_method`. */
export type ResolverName = typeof RESOLVERS[number];

/** One resolver's answer: a project slug, or null with an optional reason in `detail`. */
export interface ResolverAnswer {
  resolver: string;
  project: string | null;
  detail?: string;
}

/** The attribution of one request. */
export interface Attribution {
  project_id: string;
  /** header|path_label|rcfile|env|parent_ide_argv_label|git|workdir|api_key_map|default */
  attribution_method: string;
  trail: ResolverAnswer[];
  /** Absolute working directory of the client process (stored locally only). */
  source_workdir: string | null;
  client_pid: number | null;
}

/** Resolves a request's project. `resolve` never throws. */
export interface Attributor {
  resolve(req: FlowRequest): Promise<Attribution>;
}

/** The project used when nothing else attributes a request and no default is configured. */
export const UNATTRIBUTED = "unattributed";
