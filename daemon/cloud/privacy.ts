/**
 * @module Privacy: which rows and which fields leave the machine. Redaction happens before
 * serialisation: the wire object is built from an allow-list, never serialised then trimmed.
 */
import type { Config } from "../config.ts";
import type { StoredRow } from "../store/store.ts";
import {
  EXPLICIT_ONLY_FIELDS,
  FULL_EXTRA_FIELDS,
  MINIMAL_FIELDS,
  RequestRow,
  STANDARD_EXTRA_FIELDS,
} from "../../shared/schemas/request_row.ts";
import { err, ok, type Result } from "../../shared/result.ts";

/** A privacy preset. */
export type Preset = "minimal" | "standard" | "full";

/** The presets, least to most. */
export const PRESETS: readonly Preset[] = ["minimal", "standard", "full"];

/** Every field the wire row can carry. */
export const WIRE_FIELDS: readonly string[] = Object.keys(RequestRow.shape);

/** Fields the wire schema requires: no override can turn them off. */
export const REQUIRED_FIELDS: readonly string[] = WIRE_FIELDS.filter(
  (f) =>
    !(RequestRow.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>)[f]
      .safeParse(undefined).success,
);

/** The fields a preset sends (before per-field overrides). */
export function presetFields(preset: Preset): string[] {
  const out: string[] = [...MINIMAL_FIELDS];
  if (preset === "standard" || preset === "full") out.push(...STANDARD_EXTRA_FIELDS);
  if (preset === "full") out.push(...FULL_EXTRA_FIELDS);
  return out;
}

/** The cloud part of the config that privacy reads. */
export type CloudConfig = Config["cloud"];

/** A compiled privacy policy. */
export interface PrivacyPolicy {
  preset: Preset;
  /** Fields sent, in wire order. */
  fields: readonly string[];
  /** Whether rows of this project are uploaded at all. */
  uploadProject(project: string | null): boolean;
  /** Whether bodies of this project are uploaded (global switch and project overrides). */
  uploadBodies(project: string | null): boolean;
  /** The global `[cloud.bodies].enabled` switch. */
  bodiesEnabled: boolean;
  /** Largest body sent, in bytes. */
  maxBodyBytes: number;
  /** Projects whose upload is off. */
  excludedProjects: string[];
  /** The global `[cloud].upload` switch (projects may override it). */
  uploadAll: boolean;
}

/** Checks a `field.<name>` override target. */
export function checkFieldOverride(name: string, value: boolean): Result<string, string> {
  if (!WIRE_FIELDS.includes(name)) {
    return err(`Unknown field "${name}"; fields are: ${WIRE_FIELDS.join(", ")}`);
  }
  if (!value && REQUIRED_FIELDS.includes(name)) {
    return err(`Field "${name}" is sent by every preset and cannot be turned off`);
  }
  return ok(name);
}

/** Compiles the `[cloud]` config into a policy. */
export function compilePolicy(cloud: CloudConfig): PrivacyPolicy {
  const preset = cloud.privacy.preset as Preset;
  const set = new Set(presetFields(preset));
  const explicitOnly = new Set<string>(EXPLICIT_ONLY_FIELDS);
  for (const [name, on] of Object.entries(cloud.privacy.fields)) {
    if (!WIRE_FIELDS.includes(name)) continue;
    if (on) set.add(name);
    else if (!REQUIRED_FIELDS.includes(name)) set.delete(name);
  }
  // source_workdir only ever on an explicit `field.source_workdir = true`.
  for (const f of explicitOnly) if (cloud.privacy.fields[f] !== true) set.delete(f);
  const fields = WIRE_FIELDS.filter((f) => set.has(f));
  const projects = cloud.projects;
  const uploadProject = (p: string | null): boolean =>
    projects[p ?? ""]?.upload ?? cloud.upload ?? true;
  return {
    preset,
    fields,
    uploadProject,
    uploadBodies: (p) => {
      if (!uploadProject(p)) return false;
      const o = projects[p ?? ""]?.bodies_upload;
      if (o === false) return false;
      return cloud.bodies.enabled;
    },
    bodiesEnabled: cloud.bodies.enabled,
    maxBodyBytes: cloud.bodies.max_body_bytes_per_upload,
    excludedProjects: Object.entries(projects).filter(([, v]) => v.upload === false).map(([k]) =>
      k
    ),
    uploadAll: cloud.upload ?? true,
  };
}

/** Why a row is not sent. */
export type SkipReason = "skipped_project" | "skipped_not_llm";

/**
 * Builds the wire row from the allow-list, or says why the row is not sent. Values are copied
 * field by field from the stored row; nothing outside `policy.fields` is ever read into it.
 */
export function toWireRow(
  row: StoredRow,
  policy: PrivacyPolicy,
): { row: Record<string, unknown> } | { skip: SkipReason } {
  if (!row.provider) return { skip: "skipped_not_llm" };
  if (!policy.uploadProject(row.project_id)) return { skip: "skipped_project" };
  const src = row as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of policy.fields) {
    const v = src[f];
    out[f] = v === undefined ? null : v;
  }
  return { row: out };
}

/**
 * Validates a wire row against the shared schema. An invalid optional field is dropped (the row
 * still goes); an invalid required field makes the row invalid, with the reason.
 */
export function validateWireRow(
  row: Record<string, unknown>,
): Result<Record<string, unknown>, string> {
  let cur = row;
  for (let i = 0; i < 4; i++) {
    const res = RequestRow.safeParse(cur);
    if (res.success) return ok(cur);
    const bad = new Set(res.error.issues.map((iss) => String(iss.path[0] ?? "")));
    const requiredBad = [...bad].filter((f) => f === "" || REQUIRED_FIELDS.includes(f));
    if (requiredBad.length > 0) {
      const first = res.error.issues[0];
      return err(`${String(first.path[0] ?? "row")}: ${first.message}`);
    }
    cur = { ...cur };
    for (const f of bad) delete cur[f];
  }
  return err("row does not match the wire schema");
}
