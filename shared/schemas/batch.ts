/** @module `POST /v1/requests/batch`: the idempotent row upload. */
import { z } from "zod";

/** Current batch schema version. */
export const BATCH_SCHEMA_VERSION = 1;
/** Most rows one batch may carry (more gets 413). */
export const MAX_BATCH_ROWS = 1000;
/** Most bytes one batch body may carry (more gets 413). */
export const MAX_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * The batch envelope. `rows` items are validated one by one against `RequestRow`, so a bad row
 * is rejected alone; a bad envelope gets 422. More than `MAX_BATCH_ROWS` rows gets 413.
 */
export const BatchRequest = z.object({
  schema_version: z.literal(BATCH_SCHEMA_VERSION),
  machine_id: z.string().min(1).max(200),
  rows: z.array(z.unknown()),
});
/** Batch request (rows typed as `RequestRow` when building one). */
export type BatchRequest = z.infer<typeof BatchRequest>;

/** One row the server refused, with a readable reason. `request_id` is null when unreadable. */
export const RejectedRow = z.object({
  request_id: z.string().nullable(),
  error: z.string(),
});
/** A rejected row. */
export type RejectedRow = z.infer<typeof RejectedRow>;

/**
 * Batch answer (200). `accepted` rows are new, `duplicates` were already stored (idempotent
 * replay), `unpriced` counts accepted rows the server found no rate for.
 */
export const BatchResponse = z.object({
  accepted: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  rejected: z.array(RejectedRow),
  unpriced: z.number().int().nonnegative().optional(),
});
/** Batch response. */
export type BatchResponse = z.infer<typeof BatchResponse>;
