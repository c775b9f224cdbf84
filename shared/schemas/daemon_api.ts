/** @module The daemon API's own messages (Bearer `hm_sync_…`). */
import { z } from "zod";
import { DeviceStatus, WorkspaceRef } from "./workspace.ts";

/** Prefix of a device sync token. */
export const SYNC_TOKEN_PREFIX = "hm_sync_";
/** Prefix of a personal API token. */
export const PAT_PREFIX = "hm_pat_";

/** `GET /v1/daemon/whoami` answer. `DELETE /v1/daemon/disconnect` answers 204 with no body. */
export const WhoamiResponse = z.object({
  workspace: WorkspaceRef,
  machine_id: z.string(),
  hostname: z.string(),
  device_status: DeviceStatus,
});
/** Whoami response. */
export type WhoamiResponse = z.infer<typeof WhoamiResponse>;
