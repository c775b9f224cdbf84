/**
 * @module config.toml: parsed once through zod into a frozen object; fails fast listing every problem.
 * Each section is documented in DEFAULT_CONFIG_TOML, which `init` writes.
 */
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { err, ok, type Result } from "../shared/result.ts";

/** A listening port; 0 picks a free one (tests, several instances). */
const listenPort = z.number().int().min(0).max(65535);
const slug = z.string().regex(
  /^[a-z0-9][a-z0-9._-]{0,99}$/i,
  "must be a slug (letters, digits, . _ -)",
);

/** One user price override, USD per million tokens (validated further by the pricing engine). */
export const PriceOverride = z.object({
  input_per_mtok_usd: z.number().nonnegative(),
  output_per_mtok_usd: z.number().nonnegative(),
  cache_read_per_mtok_usd: z.number().nonnegative().optional(),
  cache_write_per_mtok_usd: z.number().nonnegative().optional(),
  cache_write_1h_per_mtok_usd: z.number().nonnegative().optional(),
}).strict();

const PrivacyPreset = z.enum(["minimal", "standard", "full"]);

/** The whole configuration with defaults applied. */
export const ConfigSchema = z.object({
  proxy: z.object({
    bind: z.string().default("127.0.0.1"),
    port: listenPort.default(8090),
    intercept_hosts: z.array(z.string().min(1)).default([]),
    max_header_bytes: z.number().int().min(1024).max(1048576).default(65536),
  }).strict().prefault({}),
  capture: z.object({
    max_body_bytes: z.number().int().min(0).max(64 * 1048576).default(1048576),
    store_bodies: z.boolean().default(true),
    inject_stream_usage: z.boolean().default(true),
  }).strict().prefault({}),
  dashboard: z.object({
    enabled: z.boolean().default(true),
    port: listenPort.default(3000),
  }).strict().prefault({}),
  attribution: z.object({
    default_project: slug.optional(),
    /** SHA-256 hex prefix (≥ 8 chars) of an API key → project slug. */
    api_keys: z.record(
      z.string().regex(
        /^[0-9a-f]{8,64}$/,
        "must be a lower-case hex SHA-256 prefix of at least 8 characters",
      ),
      slug,
    ).default({}),
  }).strict().prefault({}),
  pricing: z.object({
    overrides: z.record(
      z.string().regex(/^[a-z0-9_-]+\/.+$/, 'must be "provider/model"'),
      PriceOverride,
    ).default({}),
  }).strict().prefault({}),
  cloud: z.object({
    enabled: z.boolean().default(false),
    base_url: z.string().url().optional(),
    workspace_id: z.string().optional(),
    /** Upload rows at all (per-project `upload` overrides it). */
    upload: z.boolean().default(true),
    privacy: z.object({
      preset: PrivacyPreset.default("standard"),
      fields: z.record(z.string(), z.boolean()).default({}),
    }).strict().prefault({}),
    projects: z.record(
      z.string(),
      z.object({
        upload: z.boolean().optional(),
        bodies_upload: z.boolean().optional(),
      }).strict(),
    ).default({}),
    bodies: z.object({
      enabled: z.boolean().default(false),
      sync_interval_seconds: z.number().positive().default(60),
      max_body_bytes_per_upload: z.number().int().positive().max(524288).default(524288),
    }).strict().prefault({}),
  }).strict().prefault({}),
}).strict();

/** A parsed, frozen configuration. */
export type Config = z.infer<typeof ConfigSchema>;

/** The config.toml that `init` writes: every default, documented. */
export const DEFAULT_CONFIG_TOML = `# halton-meter configuration. Every value shown is the default.

[proxy]
# Address and port of the local capture proxy (HTTPS_PROXY and base-URL mode).
bind = "127.0.0.1"
port = 8090
# Extra hosts to intercept and read as OpenAI-compatible APIs, e.g. ["api.together.xyz"].
intercept_hosts = []

[capture]
# Bodies kept per direction per request (bytes); longer bodies are truncated and flagged.
max_body_bytes = 1048576
# Keep request/response bodies locally (secrets are stripped first).
store_bodies = true
# Add stream_options.include_usage to OpenAI-compatible streams so usage is on the wire.
inject_stream_usage = true

[dashboard]
# Personal dashboard on http://127.0.0.1:<port>, loopback only.
enabled = true
port = 3000

[attribution]
# Project for requests no resolver attributes (default: "unattributed").
# default_project = "my-project"
# Map a SHA-256 hex prefix of an API key to a project; the key itself is never stored.
# [attribution.api_keys]
# "3f2a9c1d" = "billing-service"

# [pricing.overrides."openai/my-finetune"]
# input_per_mtok_usd = 1.0
# output_per_mtok_usd = 4.0

[cloud]
# Sync a privacy-redacted copy of your rows to a workspace (halton-meter cloud connect).
enabled = false
`;

/** Formats one zod issue as "[section].key must …". */
function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  const where = path.length === 0
    ? "(root)"
    : path.length === 1
    ? path[0]
    : `[${path.slice(0, -1).join(".")}].${path[path.length - 1]}`;
  if (issue.code === "unrecognized_keys") {
    return `${where === "(root)" ? "" : where + ": "}unknown key ${
      issue.keys.map((k) => `"${k}"`).join(", ")
    }`;
  }
  return `${where} ${issue.message.replace(/^Invalid input: /, "")}`;
}

/** Parses config text. The error is one line: "Cannot parse config.toml: …; …". */
export function parseConfig(text: string): Result<Config, string> {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0];
    return err(`Cannot parse config.toml: ${msg}`);
  }
  const res = ConfigSchema.safeParse(raw);
  if (!res.success) {
    return err(`Cannot parse config.toml: ${res.error.issues.map(describeIssue).join("; ")}`);
  }
  return ok(Object.freeze(res.data) as Config);
}

/** Reads and parses the config file; a missing file gives the defaults. */
export function loadConfig(path: string): Result<Config, string> {
  let text = "";
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      return err(`Cannot read ${path}: ${(e as Error).message}`);
    }
  }
  return parseConfig(text);
}
