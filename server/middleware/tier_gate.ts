/** @module Tier gates: which feature needs which tier, and the check that throws the exact 403 body. */
import type { Tier } from "../../shared/schemas/mod.ts";
import { TierLockedError } from "../errors.ts";

const RANK: Record<Tier, number> = { solo: 0, team: 1, enterprise: 2 };

/** Every gated feature and the lowest tier that has it (documented in the README). */
export const TIER_GATES = {
  /** `overview?group_by=member`: per-member rollups. */
  "overview.group_by_member": "team",
  /** Suspend / reactivate devices (revoke is never gated: it is a security action). */
  "devices.manage": "team",
  /** Adding members beyond the first owner. */
  "members.invite": "team",
  /** Server vs daemon drift per device and day. */
  "reconciliation.read": "team",
  /** Reading the audit log over the API. */
  "audit.read": "enterprise",
} as const satisfies Record<string, Tier>;

/** A gated feature name. */
export type GatedFeature = keyof typeof TIER_GATES;

/** Throws `TierLockedError` (→ 403 `{error:"tier_locked", …}`) when `current` is below the gate. */
export function requireTier(feature: GatedFeature, current: Tier): void {
  const min = TIER_GATES[feature];
  if (RANK[current] < RANK[min]) throw new TierLockedError(feature, min, current);
}
