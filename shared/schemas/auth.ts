/** @module Account sign-in and personal API token messages. */
import { z } from "zod";
import { WorkspaceWithRole } from "./workspace.ts";

/** `POST /v1/auth/login` JSON body; sets the session cookie. */
export const LoginRequest = z.object({
  email: z.email().max(320),
  password: z.string().min(1).max(1024),
});
/** Login request. */
export type LoginRequest = z.infer<typeof LoginRequest>;

/** A signed-in user. */
export const UserRef = z.object({ id: z.uuid(), email: z.string() });
/** A user reference. */
export type UserRef = z.infer<typeof UserRef>;

/** `POST /v1/auth/login` and `GET /v1/auth/me` answer. */
export const MeResponse = z.object({
  user: UserRef,
  workspaces: z.array(WorkspaceWithRole),
});
/** Me response. */
export type MeResponse = z.infer<typeof MeResponse>;

/** `POST /v1/auth/tokens` body: create a personal API token (`hm_pat_…`). */
export const CreateTokenRequest = z.object({ name: z.string().min(1).max(100) });
/** Create token request. */
export type CreateTokenRequest = z.infer<typeof CreateTokenRequest>;

/** `POST /v1/auth/tokens` 201 answer; the raw token is shown once. */
export const CreateTokenResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  token: z.string().startsWith("hm_pat_"),
});
/** Create token response. */
export type CreateTokenResponse = z.infer<typeof CreateTokenResponse>;
