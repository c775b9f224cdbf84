/** @module `GET /v1/openapi.json`: the OpenAPI 3.1 document generated from the shared zod schemas. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps, AppEnv } from "../context.ts";
import * as S from "../../shared/schemas/mod.ts";
import { AddMemberRequest, CreateWorkspaceRequest } from "./workspaces.ts";

type Auth = "none" | "user" | "device";
interface Op {
  method: "get" | "post" | "delete";
  path: string;
  summary: string;
  auth: Auth;
  body?: z.ZodType;
  query?: z.ZodObject;
  responses: Record<number, z.ZodType | null>;
}

const err = S.ApiError;
const userErrors = { 401: err, 403: err, 404: err, 422: err };
const deviceErrors = { 401: err, 403: err, 422: err };

/** Every route of the JSON API. */
export const OPERATIONS: Op[] = [
  {
    method: "post",
    path: "/v1/pairing/start",
    summary: "Start pairing a device (RFC 8628)",
    auth: "none",
    body: S.PairingStartRequest,
    responses: { 201: S.PairingStartResponse, 422: err, 429: err },
  },
  {
    method: "post",
    path: "/v1/pairing/poll",
    summary: "Poll a pairing",
    auth: "none",
    body: S.PairingPollRequest,
    responses: { 200: S.PairingPollResponse, 410: S.PairingPollResponse, 404: err, 422: err },
  },
  {
    method: "post",
    path: "/v1/pairing/cancel",
    summary: "Cancel a pairing in flight",
    auth: "none",
    body: S.PairingCancelRequest,
    responses: { 200: S.PairingCancelResponse, 404: err },
  },
  {
    method: "post",
    path: "/v1/pairing/approve",
    summary: "Approve a code into a workspace (owner/admin)",
    auth: "user",
    body: S.PairingApproveRequest,
    responses: { 200: S.PairingDecisionResponse, 429: err, ...userErrors },
  },
  {
    method: "post",
    path: "/v1/pairing/deny",
    summary: "Deny a code (owner/admin)",
    auth: "user",
    body: S.PairingDenyRequest,
    responses: { 200: S.PairingDecisionResponse, 429: err, ...userErrors },
  },
  {
    method: "get",
    path: "/v1/daemon/whoami",
    summary: "The device behind the token",
    auth: "device",
    responses: { 200: S.WhoamiResponse, ...deviceErrors },
  },
  {
    method: "delete",
    path: "/v1/daemon/disconnect",
    summary: "Revoke this device's token",
    auth: "device",
    responses: { 204: null, ...deviceErrors },
  },
  {
    method: "post",
    path: "/v1/requests/batch",
    summary: "Upload up to 1000 rows (idempotent, re-priced)",
    auth: "device",
    body: S.BatchRequest,
    responses: { 200: S.BatchResponse, 413: err, ...deviceErrors },
  },
  {
    method: "post",
    path: "/v1/requests/{id}/body",
    summary: "Upload one request or response body (≤512 KiB)",
    auth: "device",
    body: S.BodyUploadRequest,
    responses: { 200: S.BodyUploadResponse, 404: err, 413: err, ...deviceErrors },
  },
  {
    method: "post",
    path: "/v1/reconciliation/daemon-totals",
    summary: "Upsert the daemon's per-day totals",
    auth: "device",
    body: S.DaemonTotalsRequest,
    responses: { 200: S.DaemonTotalsResponse, ...deviceErrors },
  },
  {
    method: "post",
    path: "/v1/auth/login",
    summary: "Sign in (sets the session cookie)",
    auth: "none",
    body: S.LoginRequest,
    responses: { 200: S.MeResponse, 401: err, 429: err },
  },
  {
    method: "post",
    path: "/v1/auth/logout",
    summary: "Sign out",
    auth: "user",
    responses: { 204: null, 401: err },
  },
  {
    method: "get",
    path: "/v1/auth/me",
    summary: "The signed-in user and workspaces",
    auth: "user",
    responses: { 200: S.MeResponse, 401: err },
  },
  {
    method: "post",
    path: "/v1/auth/tokens",
    summary: "Create a personal API token",
    auth: "user",
    body: S.CreateTokenRequest,
    responses: { 201: S.CreateTokenResponse, 401: err, 422: err },
  },
  {
    method: "delete",
    path: "/v1/auth/tokens/{id}",
    summary: "Revoke a personal API token",
    auth: "user",
    responses: { 204: null, 401: err, 404: err },
  },
  {
    method: "get",
    path: "/v1/workspaces",
    summary: "Workspaces of the signed-in user",
    auth: "user",
    responses: { 200: S.WorkspaceListResponse, 401: err },
  },
  {
    method: "post",
    path: "/v1/workspaces",
    summary: "Create a workspace",
    auth: "user",
    body: CreateWorkspaceRequest,
    responses: { 201: S.WorkspaceWithRole, 409: err, ...userErrors },
  },
  {
    method: "get",
    path: "/v1/workspaces/{ws}/overview",
    summary: "Totals, groups and unpriced count (group_by=member: team)",
    auth: "user",
    query: S.OverviewQuery,
    responses: { 200: S.OverviewResponse, ...userErrors, 403: z.union([S.TierLocked, err]) },
  },
  {
    method: "get",
    path: "/v1/workspaces/{ws}/devices",
    summary: "Devices of a workspace",
    auth: "user",
    responses: { 200: S.DeviceListResponse, ...userErrors },
  },
  ...(["suspend", "reactivate", "revoke"] as const).map((a): Op => ({
    method: "post",
    path: `/v1/workspaces/{ws}/devices/{id}/${a}`,
    summary: `${a[0].toUpperCase()}${a.slice(1)} a device (owner/admin${
      a === "revoke" ? "" : ", team"
    })`,
    auth: "user",
    responses: {
      200: S.DeviceActionResponse,
      409: err,
      ...userErrors,
      403: z.union([S.TierLocked, err]),
    },
  })),
  {
    method: "get",
    path: "/v1/workspaces/{ws}/members",
    summary: "Members of a workspace",
    auth: "user",
    responses: { 200: S.MemberListResponse, ...userErrors },
  },
  {
    method: "post",
    path: "/v1/workspaces/{ws}/members",
    summary: "Add an existing user (owner/admin, team)",
    auth: "user",
    body: AddMemberRequest,
    responses: { 201: S.Member, ...userErrors, 403: z.union([S.TierLocked, err]) },
  },
  {
    method: "get",
    path: "/v1/workspaces/{ws}/audit",
    summary: "Audit events, newest first (owner/admin, enterprise)",
    auth: "user",
    query: S.AuditQuery,
    responses: { 200: S.AuditListResponse, ...userErrors, 403: z.union([S.TierLocked, err]) },
  },
  {
    method: "get",
    path: "/v1/workspaces/{ws}/reconciliation",
    summary: "Server rows vs daemon totals per device and day (owner/admin/billing, team)",
    auth: "user",
    query: S.DriftQuery,
    responses: { 200: S.DriftResponse, ...userErrors, 403: z.union([S.TierLocked, err]) },
  },
];

function schema(s: z.ZodType): unknown {
  const j = z.toJSONSchema(s, { unrepresentable: "any", io: "input" }) as Record<string, unknown>;
  delete j.$schema;
  return j;
}

/** Builds the OpenAPI document. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    if (op.query) {
      for (const [name, s] of Object.entries(op.query.shape)) {
        params.push({
          name,
          in: "query",
          required: false,
          schema: schema(s as z.ZodType) as { type: string },
        });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, s] of Object.entries(op.responses)) {
      responses[status] = s
        ? { description: `HTTP ${status}`, content: { "application/json": { schema: schema(s) } } }
        : { description: `HTTP ${status}` };
    }
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      ...(op.auth === "none" ? { security: [] } : {
        security: [
          op.auth === "device" ? { deviceToken: [] } : { session: [] },
          ...(op.auth === "user" ? [{ personalToken: [] }] : []),
        ],
      }),
      ...(params.length ? { parameters: params } : {}),
      ...(op.body
        ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: schema(op.body) } },
          },
        }
        : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "halton-meter server", version },
    components: {
      securitySchemes: {
        deviceToken: { type: "http", scheme: "bearer", description: "hm_sync_… device token" },
        personalToken: {
          type: "http",
          scheme: "bearer",
          description: "hm_pat_… personal API token",
        },
        session: { type: "apiKey", in: "cookie", name: "hm_session" },
      },
      schemas: {
        RequestRow: schema(S.RequestRow),
        ApiError: schema(S.ApiError),
        TierLocked: schema(S.TierLocked),
      },
    },
    paths,
  };
}

/** `/v1/openapi.json`. */
export function openapiRoutes(_deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  let doc: Record<string, unknown> | null = null;
  app.get("/v1/openapi.json", (c) => c.json(doc ??= openApiDocument("1")));
  return app;
}
