/**
 * @module Which hosts the proxy decrypts, and the base-URL prefixes
 * (`/openai/...`, `/p/<slug>/anthropic/...`) it reverse-proxies to providers.
 */
import { err, ok, type Result } from "../../shared/result.ts";

/** Base-URL prefix → provider host. */
export const BASE_URL_PREFIXES: Record<string, string> = {
  anthropic: "api.anthropic.com",
  openai: "api.openai.com",
  gemini: "generativelanguage.googleapis.com",
  xai: "api.x.ai",
  groq: "api.groq.com",
  mistral: "api.mistral.ai",
  deepseek: "api.deepseek.com",
};

/** Hosts intercepted by default (before `[proxy] intercept_hosts`). */
export const DEFAULT_INTERCEPT_HOSTS: string[] = Object.values(BASE_URL_PREFIXES);

/** A base-URL request resolved to its provider. */
export interface BaseUrlRoute {
  prefix: string;
  host: string;
  /** Path and query to forward upstream. */
  path: string;
  pathLabel: string | null;
}

const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Resolves `/{prefix}/rest` or `/p/<slug>/{prefix}/rest`; the error names the unknown prefix. */
export function resolveBaseUrl(target: string): Result<BaseUrlRoute, string> {
  const q = target.indexOf("?");
  const pathname = q >= 0 ? target.slice(0, q) : target;
  const query = q >= 0 ? target.slice(q) : "";
  const segs = pathname.split("/");
  // segs[0] is "" for a path starting with "/"
  let i = 1;
  let pathLabel: string | null = null;
  if (segs[1] === "p") {
    const slug = decodeURIComponentSafe(segs[2] ?? "");
    if (!slug || !SLUG.test(slug)) {
      return err(`Invalid project label "${segs[2] ?? ""}" in /p/<slug>/<provider>/...`);
    }
    pathLabel = slug;
    i = 3;
  }
  const prefix = segs[i] ?? "";
  const host = Object.hasOwn(BASE_URL_PREFIXES, prefix) ? BASE_URL_PREFIXES[prefix] : undefined;
  if (!host) {
    return err(
      `Unknown base-URL prefix "${prefix}"; use one of ${
        Object.keys(BASE_URL_PREFIXES).join(", ")
      } (optionally after /p/<project>/)`,
    );
  }
  const rest = "/" + segs.slice(i + 1).join("/");
  return ok({ prefix, host, path: rest + query, pathLabel });
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return "";
  }
}
