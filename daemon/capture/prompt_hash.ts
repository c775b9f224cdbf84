/**
 * @module `prompt_hash`: the first 16 hex chars of SHA-256 over the canonical JSON of a request's
 * prompt. The prompt is the body's `messages` / `input` / `contents` / `prompt` plus the system
 * prompt (`system`, `instructions`, `systemInstruction`), whichever exist, as one object with
 * sorted keys. Same prompt, same hash, across clients and key order.
 */
import { createHash } from "node:crypto";

const PROMPT_KEYS = [
  "messages",
  "input",
  "contents",
  "prompt",
  "system",
  "instructions",
  "systemInstruction",
];

/** JSON with object keys sorted at every level and no whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

/** The prompt hash of a JSON request body, or null (not JSON, truncated, or no prompt field). */
export function promptHash(body: Uint8Array, truncated = false): string | null {
  if (truncated || body.length === 0) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return null;
  const src = parsed as Record<string, unknown>;
  const prompt: Record<string, unknown> = {};
  for (const k of PROMPT_KEYS) if (src[k] !== undefined) prompt[k] = src[k];
  if (Object.keys(prompt).length === 0) return null;
  return createHash("sha256").update(canonicalJson(prompt)).digest("hex").slice(0, 16);
}
