/** @module `POST /v1/requests/{id}/body`: opt-in request/response body upload. */
import { z } from "zod";

/** Largest body content accepted, in UTF-8 bytes (more gets 413). */
export const MAX_BODY_BYTES = 512 * 1024;

/** Body upload. `redaction_applied` is OR-merged with what the server already has. */
export const BodyUploadRequest = z.object({
  direction: z.enum(["request", "response"]),
  content: z.string().refine((s) => new TextEncoder().encode(s).length <= MAX_BODY_BYTES, {
    message: "content must be at most 524288 bytes",
  }),
  redaction_applied: z.boolean(),
});
/** Body upload request. */
export type BodyUploadRequest = z.infer<typeof BodyUploadRequest>;

/** Body upload answer (200). A request_id the server does not know yet gets 404 (retry later). */
export const BodyUploadResponse = z.object({
  request_id: z.uuid(),
  direction: z.enum(["request", "response"]),
  bytes: z.number().int().nonnegative(),
  redaction_applied: z.boolean(),
});
/** Body upload response. */
export type BodyUploadResponse = z.infer<typeof BodyUploadResponse>;
