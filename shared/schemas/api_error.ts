/** @module The server's two error shapes: the general envelope and the exact tier-lock body. */
import { z } from "zod";
import { Tier } from "./workspace.ts";

/** Every error code the server answers with (besides `tier_locked`). */
export const ApiErrorCode = z.enum([
  "bad_request",
  "validation_failed",
  "unauthenticated",
  "token_invalid",
  "device_forbidden",
  "forbidden",
  "csrf_failed",
  "not_found",
  "pairing_not_found",
  "pairing_expired",
  "conflict",
  "payload_too_large",
  "unsupported_media_type",
  "rate_limited",
  "internal",
]);
/** An error code. */
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;

/** `{error:{code,message,details?,request_id}}`: every error except a tier lock. */
export const ApiError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
    request_id: z.string(),
  }),
});
/** An API error body. */
export type ApiError = z.infer<typeof ApiError>;

/** `403 {error:"tier_locked", feature, min_tier, current_tier}`: exactly this shape. */
export const TierLocked = z.object({
  error: z.literal("tier_locked"),
  feature: z.string(),
  min_tier: Tier,
  current_tier: Tier,
});
/** A tier-lock body. */
export type TierLocked = z.infer<typeof TierLocked>;
