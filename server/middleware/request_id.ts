/** @module Gives every request an id (from a sane `X-Request-Id` or random) and echoes it back. */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";

/** Sets `c.var.requestId` and the `X-Request-Id` response header. */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = c.req.header("x-request-id");
    const id = given && /^[A-Za-z0-9._:-]{8,128}$/.test(given) ? given : crypto.randomUUID();
    c.set("requestId", id);
    c.header("X-Request-Id", id);
    await next();
  };
}
