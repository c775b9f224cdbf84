/** @module Input validation: size-limited JSON bodies and query strings through zod (422 with readable messages). */
import type { Context } from "hono";
import type { z } from "zod";
import { HttpError, validationError } from "./errors.ts";

/** Default largest JSON body, bytes. */
export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;

/** Reads the raw body, 413 payload_too_large past `maxBytes` (checked before and while reading). */
export async function readBodyText(c: Context, maxBytes: number): Promise<string> {
  const tooBig = () =>
    new HttpError(413, "payload_too_large", `Request body is larger than ${maxBytes} bytes`);
  const len = Number(c.req.header("content-length") ?? NaN);
  if (Number.isFinite(len) && len > maxBytes) throw tooBig();
  const body = c.req.raw.body;
  if (!body) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooBig();
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let off = 0;
  for (const ch of chunks) {
    all.set(ch, off);
    off += ch.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** Parses a JSON body against `schema`: 400 for non-JSON, 422 for schema failures, 413 when too big. */
export async function readJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  what: string,
  maxBytes = DEFAULT_MAX_JSON_BYTES,
): Promise<z.infer<S>> {
  const text = await readBodyText(c, maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, "bad_request", `Invalid ${what}: the body is not valid JSON`);
  }
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(what, r.error);
  return r.data;
}

/** Parses the query string against `schema` (422 on failure). */
export function readQuery<S extends z.ZodType>(c: Context, schema: S, what: string): z.infer<S> {
  const r = schema.safeParse(c.req.query());
  if (!r.success) throw validationError(what, r.error);
  return r.data;
}

/** Parses a path parameter against `schema`; a bad one is 404 (no such resource). */
export function readParam<S extends z.ZodType>(c: Context, name: string, schema: S): z.infer<S> {
  const r = schema.safeParse(c.req.param(name));
  if (!r.success) throw new HttpError(404, "not_found", `No such ${name}: ${c.req.param(name)}`);
  return r.data;
}
