/** @module Device pairing wire messages (OAuth device authorization grant, RFC 8628). */
import { z } from "zod";
import { WorkspaceRef } from "./workspace.ts";

/** Seconds a pairing code stays valid. */
export const PAIRING_EXPIRES_IN = 600;
/** Minimum seconds between polls; faster polls get `slow_down`. */
export const PAIRING_INTERVAL = 2;

/** A daemon machine id: stable per machine, opaque. */
export const MachineId = z.string().min(1).max(200);

/** `POST /v1/pairing/start` body. */
export const PairingStartRequest = z.object({
  machine_id: MachineId,
  hostname: z.string().min(1).max(255),
  daemon_version: z.string().min(1).max(64),
});
/** Start request. */
export type PairingStartRequest = z.infer<typeof PairingStartRequest>;

/** `POST /v1/pairing/start` 201 answer. `code` is `XXXX-XXXX` Crockford base32. */
export const PairingStartResponse = z.object({
  pairing_id: z.uuid(),
  poll_secret: z.string().min(32),
  code: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/),
  approve_url: z.url(),
  expires_in: z.number().int().positive(),
  interval: z.number().int().positive(),
});
/** Start response. */
export type PairingStartResponse = z.infer<typeof PairingStartResponse>;

/** `POST /v1/pairing/poll` and `POST /v1/pairing/cancel` body. */
export const PairingPollRequest = z.object({
  pairing_id: z.uuid(),
  poll_secret: z.string().min(1).max(200),
});
/** Poll request. */
export type PairingPollRequest = z.infer<typeof PairingPollRequest>;

/** `POST /v1/pairing/cancel` body (same as poll). */
export const PairingCancelRequest = PairingPollRequest;
/** Cancel request. */
export type PairingCancelRequest = PairingPollRequest;

/** Every pairing status a poll can report. */
export const PairingStatus = z.enum([
  "pending",
  "slow_down",
  "approved",
  "consumed",
  "denied",
  "expired",
  "cancelled",
]);
/** A pairing status. */
export type PairingStatus = z.infer<typeof PairingStatus>;

/**
 * `POST /v1/pairing/poll` answer, discriminated by `status`. HTTP 200 for all but `expired`
 * (410). `approved` carries the raw `hm_sync_…` token exactly once; later polls say `consumed`.
 */
export const PairingPollResponse = z.discriminatedUnion("status", [
  z.object({ status: z.literal("pending") }),
  z.object({ status: z.literal("slow_down"), interval: z.number().int().positive() }),
  z.object({
    status: z.literal("approved"),
    token: z.string().startsWith("hm_sync_"),
    workspace: WorkspaceRef,
  }),
  z.object({ status: z.literal("consumed") }),
  z.object({ status: z.literal("denied") }),
  z.object({ status: z.literal("expired") }),
  z.object({ status: z.literal("cancelled") }),
]);
/** Poll response. */
export type PairingPollResponse = z.infer<typeof PairingPollResponse>;

/** `POST /v1/pairing/cancel` 200 answer: the pairing's status after the call. */
export const PairingCancelResponse = z.object({
  pairing_id: z.uuid(),
  status: PairingStatus,
});
/** Cancel response. */
export type PairingCancelResponse = z.infer<typeof PairingCancelResponse>;

/** `POST /v1/pairing/approve` body (session or personal token; role owner or admin). */
export const PairingApproveRequest = z.object({
  code: z.string().min(1).max(32),
  workspace_id: z.uuid(),
});
/** Approve request. */
export type PairingApproveRequest = z.infer<typeof PairingApproveRequest>;

/** `POST /v1/pairing/deny` body. */
export const PairingDenyRequest = z.object({ code: z.string().min(1).max(32) });
/** Deny request. */
export type PairingDenyRequest = z.infer<typeof PairingDenyRequest>;

/** `POST /v1/pairing/approve|deny` 200 answer. `workspace` is null on deny. */
export const PairingDecisionResponse = z.object({
  pairing_id: z.uuid(),
  status: z.enum(["approved", "denied"]),
  machine_id: z.string(),
  hostname: z.string(),
  workspace: WorkspaceRef.nullable(),
});
/** Decision response. */
export type PairingDecisionResponse = z.infer<typeof PairingDecisionResponse>;
