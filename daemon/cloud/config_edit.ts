/**
 * @module A small, careful TOML text editor for the `[cloud…]` tables of config.toml. It changes
 * only the lines of the keys it sets, keeps every other line (comments, blank lines, order,
 * other sections) byte for byte, and checks the result by parsing it back.
 */
import { parse as parseToml } from "smol-toml";
import { err, ok, type Result } from "../../shared/result.ts";

/** A scalar TOML value this editor writes. */
export type TomlScalar = string | number | boolean;

/** Sets (or, with `value: null`, removes) `key` in table `table`. */
export interface TomlEdit {
  table: string[];
  key: string;
  value: TomlScalar | null;
}

const BARE = /^[A-Za-z0-9_-]+$/;

/** Formats a key segment: bare when possible, quoted otherwise. */
export function formatKey(k: string): string {
  return BARE.test(k) ? k : JSON.stringify(k);
}

/** Formats a scalar value as TOML. */
export function formatValue(v: TomlScalar): string {
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`Cannot write ${v} to TOML`);
    return String(v);
  }
  return JSON.stringify(v);
}

/** Parses a dotted key (`a."b.c".d`) from the start of `s`; returns the parts and the rest. */
function parseDotted(s: string): { parts: string[]; rest: string } | null {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    while (s[i] === " " || s[i] === "\t") i++;
    if (s[i] === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === "\\" ? 2 : 1;
      if (j >= s.length) return null;
      try {
        parts.push(JSON.parse(s.slice(i, j + 1)));
      } catch {
        return null;
      }
      i = j + 1;
    } else if (s[i] === "'") {
      const j = s.indexOf("'", i + 1);
      if (j < 0) return null;
      parts.push(s.slice(i + 1, j));
      i = j + 1;
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(s.slice(i));
      if (!m) return null;
      parts.push(m[0]);
      i += m[0].length;
    }
    while (s[i] === " " || s[i] === "\t") i++;
    if (s[i] !== ".") return { parts, rest: s.slice(i) };
    i++;
  }
}

type Mode = "none" | "mlb" | "mll";
interface ScanState {
  mode: Mode;
  depth: number;
}

/** Scans a value fragment, updating multi-line state; returns where a comment starts (or -1). */
function scanValue(s: string, st: ScanState): number {
  let i = 0;
  while (i < s.length) {
    if (st.mode === "mlb") {
      const j = s.indexOf('"""', i);
      if (j < 0) return -1;
      let k = j, bs = 0;
      while (k > 0 && s[k - 1] === "\\") (k--, bs++);
      i = j + 3;
      if (bs % 2 === 0) st.mode = "none";
      continue;
    }
    if (st.mode === "mll") {
      const j = s.indexOf("'''", i);
      if (j < 0) return -1;
      i = j + 3;
      st.mode = "none";
      continue;
    }
    const c = s[i];
    if (s.startsWith('"""', i)) (st.mode = "mlb", i += 3);
    else if (s.startsWith("'''", i)) (st.mode = "mll", i += 3);
    else if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') i += s[i] === "\\" ? 2 : 1;
      i++;
    } else if (c === "'") {
      const j = s.indexOf("'", i + 1);
      i = j < 0 ? s.length : j + 1;
    } else if (c === "[" || c === "{") (st.depth++, i++);
    else if (c === "]" || c === "}") (st.depth = Math.max(0, st.depth - 1), i++);
    else if (c === "#") return i;
    else i++;
  }
  return -1;
}

interface Line {
  text: string;
  kind: "header" | "kv" | "cont" | "other";
  table?: string[];
  key?: string[];
  /** For a one-line kv: where the comment starts (absolute index), or -1. */
  comment?: number;
  /** For a kv: true when its value continues on later lines. */
  multiline?: boolean;
}

function classify(lines: string[]): Line[] {
  const out: Line[] = [];
  const st: ScanState = { mode: "none", depth: 0 };
  let table: string[] = [];
  for (const text of lines) {
    if (st.mode !== "none" || st.depth > 0) {
      scanValue(text, st);
      out.push({ text, kind: "cont", table });
      continue;
    }
    const t = text.trimStart();
    if (t.startsWith("[")) {
      const arr = t.startsWith("[[");
      const p = parseDotted(t.slice(arr ? 2 : 1));
      if (p) {
        table = arr ? ["[[", ...p.parts] : p.parts;
        out.push({ text, kind: "header", table });
        continue;
      }
    }
    if (t === "" || t.startsWith("#")) {
      out.push({ text, kind: "other", table });
      continue;
    }
    const p = parseDotted(t);
    if (p && p.rest.startsWith("=")) {
      const valueStart = text.length - p.rest.length + 1;
      const c = scanValue(text.slice(valueStart), st);
      out.push({
        text,
        kind: "kv",
        table,
        key: p.parts,
        comment: c < 0 ? -1 : valueStart + c,
        multiline: st.mode !== "none" || st.depth > 0,
      });
      continue;
    }
    out.push({ text, kind: "other", table });
  }
  return out;
}

const same = (a: string[] | undefined, b: string[]): boolean =>
  !!a && a.length === b.length && a.every((x, i) => x === b[i]);

function applyOne(lines: string[], e: TomlEdit): Result<string[], string> {
  const cls = classify(lines);
  const where = `[${e.table.map(formatKey).join(".")}].${e.key}`;
  const hit = cls.findIndex((l) =>
    l.kind === "kv" && same(l.table, e.table) && same(l.key, [e.key])
  );
  if (hit >= 0) {
    const l = cls[hit];
    if (l.multiline) return err(`Cannot edit config.toml: ${where} spans several lines`);
    const out = lines.slice();
    if (e.value === null) out.splice(hit, 1);
    else {
      const indent = /^\s*/.exec(l.text)![0];
      const comment = l.comment! >= 0 ? " " + l.text.slice(l.comment!).trimEnd() : "";
      out[hit] = `${indent}${formatKey(e.key)} = ${formatValue(e.value)}${comment}`;
    }
    return ok(out);
  }
  if (e.value === null) return ok(lines);
  const newLine = `${formatKey(e.key)} = ${formatValue(e.value)}`;
  const header = cls.findIndex((l) => l.kind === "header" && same(l.table, e.table));
  if (header >= 0) {
    let last = header;
    for (let i = header + 1; i < cls.length && cls[i].kind !== "header"; i++) {
      if (cls[i].kind === "kv" || cls[i].kind === "cont") last = i;
    }
    const out = lines.slice();
    out.splice(last + 1, 0, newLine);
    return ok(out);
  }
  const out = lines.slice();
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  if (out.length > 0) out.push("");
  out.push(`[${e.table.map(formatKey).join(".")}]`, newLine);
  return ok(out);
}

function lookup(doc: unknown, path: string[]): unknown {
  let cur = doc;
  for (const p of path) {
    if (cur === null || typeof cur !== "object" || !(p in (cur as Record<string, unknown>))) {
      return undefined;
    }
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/**
 * Applies edits to config text, then parses the result back and checks every edited key holds
 * its new value. Line endings and a trailing newline are kept.
 */
export function editToml(text: string, edits: TomlEdit[]): Result<string, string> {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  let lines = text.split(/\r?\n/);
  const trailing = lines.length > 0 && lines[lines.length - 1] === "";
  if (trailing) lines.pop();
  for (const e of edits) {
    const r = applyOne(lines, e);
    if (!r.ok) return r;
    lines = r.value;
  }
  const out = lines.join(eol) + (trailing || text === "" ? eol : "");
  let doc: unknown;
  try {
    doc = parseToml(out);
  } catch (e) {
    return err(
      `Cannot edit config.toml: the result would not parse (${
        (e as Error).message.split("\n")[0]
      })`,
    );
  }
  for (const e of edits) {
    const got = lookup(doc, [...e.table, e.key]);
    const want = e.value === null ? undefined : e.value;
    if (got !== want) {
      return err(
        `Cannot edit config.toml: ${
          [...e.table, e.key].join(".")
        } is defined in a way this editor cannot change`,
      );
    }
  }
  return ok(out);
}

/** Reads config.toml (empty when missing), applies edits and writes it back. */
export async function editConfigFile(
  path: string,
  edits: TomlEdit[],
  validate?: (text: string) => Result<unknown, string>,
): Promise<Result<string, string>> {
  let text = "";
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      return err(`Cannot read ${path}: ${(e as Error).message}`);
    }
  }
  const r = editToml(text, edits);
  if (!r.ok) return r;
  if (validate) {
    const v = validate(r.value);
    if (!v.ok) return err(v.error);
  }
  if (r.value !== text) {
    const tmp = `${path}.tmp-${crypto.randomUUID()}`;
    const mode = await Deno.stat(path).then((s) => s.mode ?? undefined, () => undefined);
    await Deno.writeTextFile(tmp, r.value, mode ? { mode: mode & 0o777 } : {});
    await Deno.rename(tmp, path);
  }
  return r;
}
