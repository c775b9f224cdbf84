/** @module Workspaces, members, devices and the read API's wire shapes. */
import { z } from "zod";

/** Commercial tier of a workspace; gates some features. */
export const Tier = z.enum(["solo", "team", "enterprise"]);
/** A tier. */
export type Tier = z.infer<typeof Tier>;

/** A member's role in one workspace. */
export const Role = z.enum(["owner", "admin", "editor", "viewer", "billing"]);
/** A role. */
export type Role = z.infer<typeof Role>;

/** Lifecycle of a paired device. `suspended` is reversible; `revoked` kills the token. */
export const DeviceStatus = z.enum(["active", "suspended", "revoked"]);
/** A device status. */
export type DeviceStatus = z.infer<typeof DeviceStatus>;

/** The public face of a workspace, as the daemon sees it. */
export const WorkspaceRef = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  tier: Tier,
});
/** A workspace reference. */
export type WorkspaceRef = z.infer<typeof WorkspaceRef>;

/** A workspace the caller belongs to, with the caller's role. */
export const WorkspaceWithRole = WorkspaceRef.extend({ role: Role });
/** A workspace with role. */
export type WorkspaceWithRole = z.infer<typeof WorkspaceWithRole>;

/** `GET /v1/workspaces`. */
export const WorkspaceListResponse = z.object({ workspaces: z.array(WorkspaceWithRole) });
/** Workspace list. */
export type WorkspaceListResponse = z.infer<typeof WorkspaceListResponse>;

/** One paired device. */
export const Device = z.object({
  id: z.uuid(),
  machine_id: z.string(),
  hostname: z.string(),
  daemon_version: z.string(),
  status: DeviceStatus,
  user_id: z.uuid().nullable(),
  user_email: z.string().nullable(),
  paired_at: z.string(),
  last_sync_at: z.string().nullable(),
});
/** A device. */
export type Device = z.infer<typeof Device>;

/** `GET /v1/workspaces/{ws}/devices`. */
export const DeviceListResponse = z.object({ devices: z.array(Device) });
/** Device list. */
export type DeviceListResponse = z.infer<typeof DeviceListResponse>;

/** `POST /v1/workspaces/{ws}/devices/{id}/{suspend|reactivate|revoke}`. */
export const DeviceActionResponse = z.object({ device: Device });
/** Device action response. */
export type DeviceActionResponse = z.infer<typeof DeviceActionResponse>;

/** One member of a workspace. */
export const Member = z.object({
  user_id: z.uuid(),
  email: z.string(),
  role: Role,
  joined_at: z.string(),
});
/** A member. */
export type Member = z.infer<typeof Member>;

/** `GET /v1/workspaces/{ws}/members`. */
export const MemberListResponse = z.object({ members: z.array(Member) });
/** Member list. */
export type MemberListResponse = z.infer<typeof MemberListResponse>;

/** Dimensions the overview can group by. */
export const OverviewGroupBy = z.enum(["project", "model", "provider", "device", "member", "day"]);
/** A group-by dimension. */
export type OverviewGroupBy = z.infer<typeof OverviewGroupBy>;

const dateOrDateTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/** Query of `GET /v1/workspaces/{ws}/overview`; `from` inclusive, `to` exclusive (dates are UTC days, `to` day included). */
export const OverviewQuery = z.object({
  from: dateOrDateTime.optional(),
  to: dateOrDateTime.optional(),
  group_by: OverviewGroupBy.optional(),
});
/** Overview query. */
export type OverviewQuery = z.infer<typeof OverviewQuery>;

/** Sums over a set of rows; `cost_usd_millicents` sums priced rows only. */
export const OverviewTotals = z.object({
  requests: z.number().int(),
  priced_requests: z.number().int(),
  unpriced_requests: z.number().int(),
  cost_usd_millicents: z.number().int(),
  daemon_cost_usd_millicents: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  cache_read_tokens: z.number().int(),
  cache_write_tokens: z.number().int(),
});
/** Totals. */
export type OverviewTotals = z.infer<typeof OverviewTotals>;

/** One group of the overview. `key` is null for rows without that attribute. */
export const OverviewGroup = OverviewTotals.extend({
  key: z.string().nullable(),
  label: z.string().nullable(),
});
/** A group. */
export type OverviewGroup = z.infer<typeof OverviewGroup>;

/** `GET /v1/workspaces/{ws}/overview`. */
export const OverviewResponse = z.object({
  workspace: WorkspaceRef,
  from: z.string(),
  to: z.string(),
  group_by: OverviewGroupBy.nullable(),
  totals: OverviewTotals,
  unpriced_count: z.number().int(),
  groups: z.array(OverviewGroup),
});
/** Overview response. */
export type OverviewResponse = z.infer<typeof OverviewResponse>;

/** One audit event as the API shows it. */
export const AuditEventView = z.object({
  id: z.number().int(),
  at: z.string(),
  actor_type: z.enum(["user", "device", "system"]),
  actor_id: z.string().nullable(),
  action: z.string(),
  target_type: z.string().nullable(),
  target_id: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
});
/** An audit event. */
export type AuditEventView = z.infer<typeof AuditEventView>;

/** Query of `GET /v1/workspaces/{ws}/audit`: newest first, `before` an event id for paging. */
export const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().positive().optional(),
});
/** Audit query. */
export type AuditQuery = z.infer<typeof AuditQuery>;

/** `GET /v1/workspaces/{ws}/audit`. */
export const AuditListResponse = z.object({
  events: z.array(AuditEventView),
  next_before: z.number().int().nullable(),
});
/** Audit list. */
export type AuditListResponse = z.infer<typeof AuditListResponse>;
