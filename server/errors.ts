/** @module Server errors: one `HttpError` class, the exact tier-lock body, and the ONE `onError` handler. */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type { ApiErrorCode, Tier } from "../shared/schemas/mod.ts";
import type { Logger } from "./log.ts";

/** An expected failure with an HTTP status and a stable code; rendered by `onError`. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** A route locked by the workspace's tier; rendered as exactly `{error:"tier_locked", …}`. */
export class TierLockedError extends Error {
  constructor(readonly feature: string, readonly minTier: Tier, readonly currentTier: Tier) {
    super(`Feature ${feature} needs tier ${minTier}`);
    this.name = "TierLockedError";
  }
}

/** 422 from a zod failure, with one readable line and the issues as details. */
export function validationError(what: string, error: z.ZodError): HttpError {
  return new HttpError(422, "validation_failed", `Invalid ${what}: ${issuesLine(error)}`, {
    issues: error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
  });
}

/** Renders zod issues as one line: `rows.0.model: expected string; …`. */
export function issuesLine(error: z.ZodError): string {
  return error.issues.slice(0, 5).map((i) => {
    const path = i.path.map(String).join(".");
    return path ? `${path}: ${i.message}` : i.message;
  }).join("; ") + (error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : "");
}

/** Builds the general error body. */
export function errorBody(
  code: string,
  message: string,
  requestId: string,
  details?: unknown,
): { error: { code: string; message: string; details?: unknown; request_id: string } } {
  return {
    error: { code, message, ...(details === undefined ? {} : { details }), request_id: requestId },
  };
}

/** The app's single error handler: HttpError → its status, tier lock → exact body, else 500. */
export function makeOnError(logger: Logger): (err: Error, c: Context) => Response {
  return (err, c) => {
    const requestId = (c.get("requestId") as string | undefined) ?? "unknown";
    if (err instanceof TierLockedError) {
      return c.json({
        error: "tier_locked",
        feature: err.feature,
        min_tier: err.minTier,
        current_tier: err.currentTier,
      }, 403);
    }
    if (err instanceof HttpError) {
      for (const [k, v] of Object.entries(err.headers ?? {})) c.header(k, v);
      return c.json(errorBody(err.code, err.message, requestId, err.details), err.status);
    }
    logger.error("Unhandled error", {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      stack: err instanceof Error ? err.stack?.split("\n").slice(0, 6).join(" | ") : undefined,
    });
    return c.json(errorBody("internal", "Internal server error", requestId), 500);
  };
}
