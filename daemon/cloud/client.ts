/**
 * @module The cloud server's HTTP client for the daemon: pairing, whoami, disconnect, batch,
 * body and daemon-totals calls. Every call answers a Result; nothing throws on network trouble.
 */
import type { z } from "zod";
import { err, ok, type Result } from "../../shared/result.ts";
import { BATCH_SCHEMA_VERSION, BatchResponse } from "../../shared/schemas/batch.ts";
import {
  PairingCancelResponse,
  PairingPollResponse,
  PairingStartResponse,
} from "../../shared/schemas/pairing.ts";
import { WhoamiResponse } from "../../shared/schemas/daemon_api.ts";
import { BodyUploadResponse } from "../../shared/schemas/bodies.ts";
import { type DaemonTotalsDay, DaemonTotalsResponse } from "../../shared/schemas/reconciliation.ts";

/** The default cloud. `HALTON_METER_CLOUD_URL` overrides it. */
export const DEFAULT_CLOUD_URL = "https://cloud.halton-meter.dev";

/** Why a call failed. `transport`: no HTTP answer; `http`: an error status. */
export type ApiFailure =
  | { kind: "transport"; message: string }
  | {
    kind: "http";
    status: number;
    code: string | null;
    message: string;
    /** Retry-After in milliseconds, when the server sent one. */
    retryAfterMs: number | null;
  };

/** A call's result. */
export type ApiResult<T> = Result<T, ApiFailure>;

/** Describes a failure in one line. */
export function describeFailure(f: ApiFailure): string {
  if (f.kind === "transport") return `cannot reach the cloud: ${f.message}`;
  return `${f.status}${f.code ? ` ${f.code}` : ""}: ${f.message}`;
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(v: string | null, nowMs: number = Date.now()): number | null {
  if (!v) return null;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : Math.max(0, t - nowMs);
}

/** Options for one client. */
export interface ClientOptions {
  baseUrl: string;
  token?: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  userAgent?: string;
  fetch?: typeof fetch;
}

/** Trims a trailing slash from a base URL. */
export function normaliseBaseUrl(u: string): string {
  return u.replace(/\/+$/, "");
}

/** The client. */
export class CloudClient {
  readonly baseUrl: string;
  #token: string | undefined;
  #timeout: number;
  #ua: string;
  #fetch: typeof fetch;

  constructor(opts: ClientOptions) {
    this.baseUrl = normaliseBaseUrl(opts.baseUrl);
    this.#token = opts.token;
    this.#timeout = opts.timeoutMs ?? 30_000;
    this.#ua = opts.userAgent ?? "halton-meter";
    this.#fetch = opts.fetch ?? fetch;
  }

  async #call<T>(
    method: string,
    path: string,
    body: unknown,
    schema: z.ZodType<T> | null,
    okStatuses: number[] = [200, 201],
    signal?: AbortSignal,
  ): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { "user-agent": this.#ua, accept: "application/json" };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const timeout = AbortSignal.timeout(this.#timeout);
    let res: Response;
    try {
      res = await this.#fetch(this.baseUrl + path, {
        method,
        headers,
        body: payload,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (e) {
      return err({ kind: "transport", message: (e as Error).message.split("\n")[0] });
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      return err({ kind: "transport", message: `reading the answer: ${(e as Error).message}` });
    }
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch { /* not JSON */ }
    if (!okStatuses.includes(res.status)) {
      const e = (json as { error?: unknown } | null)?.error;
      const code = typeof e === "string"
        ? e
        : typeof (e as { code?: unknown })?.code === "string"
        ? (e as { code: string }).code
        : null;
      const message = typeof (e as { message?: unknown })?.message === "string"
        ? (e as { message: string }).message
        : text.slice(0, 200) || res.statusText;
      return err({
        kind: "http",
        status: res.status,
        code,
        message,
        retryAfterMs: parseRetryAfter(res.headers.get("retry-after")),
      });
    }
    if (!schema) return ok(json as T);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      return err({
        kind: "http",
        status: res.status,
        code: "bad_answer",
        message: `unexpected answer to ${method} ${path}: ${
          parsed.error.issues[0]?.message ?? "invalid"
        }`,
        retryAfterMs: null,
      });
    }
    return ok(parsed.data);
  }

  /** `POST /v1/pairing/start`. */
  pairingStart(
    body: { machine_id: string; hostname: string; daemon_version: string },
  ): Promise<ApiResult<PairingStartResponse>> {
    return this.#call("POST", "/v1/pairing/start", body, PairingStartResponse);
  }

  /** `POST /v1/pairing/poll`. `expired` comes back as 410 and is mapped to its status. */
  async pairingPoll(
    body: { pairing_id: string; poll_secret: string },
  ): Promise<ApiResult<PairingPollResponse>> {
    const r = await this.#call("POST", "/v1/pairing/poll", body, PairingPollResponse, [200, 410]);
    if (!r.ok && r.error.kind === "http" && r.error.status === 410) {
      return ok({ status: "expired" });
    }
    return r;
  }

  /** `POST /v1/pairing/cancel`. */
  pairingCancel(
    body: { pairing_id: string; poll_secret: string },
  ): Promise<ApiResult<PairingCancelResponse>> {
    return this.#call("POST", "/v1/pairing/cancel", body, PairingCancelResponse);
  }

  /** `GET /v1/daemon/whoami`. */
  whoami(): Promise<ApiResult<WhoamiResponse>> {
    return this.#call("GET", "/v1/daemon/whoami", undefined, WhoamiResponse);
  }

  /** `DELETE /v1/daemon/disconnect` (204). */
  disconnect(): Promise<ApiResult<null>> {
    return this.#call("DELETE", "/v1/daemon/disconnect", undefined, null, [200, 204]);
  }

  /** `POST /v1/requests/batch`. */
  postBatch(
    machine_id: string,
    rows: Record<string, unknown>[],
    signal?: AbortSignal,
  ): Promise<ApiResult<BatchResponse>> {
    return this.#call(
      "POST",
      "/v1/requests/batch",
      { schema_version: BATCH_SCHEMA_VERSION, machine_id, rows },
      BatchResponse,
      [200],
      signal,
    );
  }

  /** `POST /v1/requests/{id}/body`. */
  postBody(
    request_id: string,
    body: { direction: "request" | "response"; content: string; redaction_applied: boolean },
  ): Promise<ApiResult<BodyUploadResponse>> {
    return this.#call(
      "POST",
      `/v1/requests/${encodeURIComponent(request_id)}/body`,
      body,
      BodyUploadResponse,
      [200, 201],
    );
  }

  /** `POST /v1/reconciliation/daemon-totals`. */
  postDaemonTotals(days: DaemonTotalsDay[]): Promise<ApiResult<DaemonTotalsResponse>> {
    return this.#call("POST", "/v1/reconciliation/daemon-totals", { days }, DaemonTotalsResponse, [
      200,
      201,
    ]);
  }
}
