/**
 * @module The cloud part of the daemon's loopback API (`/v1/cloud/*`), used by the dashboard and
 * the CLI. No web page can pair a machine: every POST must carry the dashboard's own Origin
 * (`http://127.0.0.1:<port>` or `http://localhost:<port>`) and a JSON body; a GET may omit the
 * Origin (browsers do for same-origin reads) but a foreign one is refused.
 */
import type { Context, Hono } from "hono";
import type { LocalDeps, LocalRoutes } from "../local_api/server.ts";
import { CloudConnectRequest } from "../../shared/schemas/cloud_status.ts";
import type { CloudControl } from "./supervisor.ts";

const fail = (
  c: Context,
  status: 403 | 404 | 409 | 415 | 422 | 502 | 503,
  code: string,
  message: string,
) => c.json({ error: { code, message } }, status);

/** The origins allowed for a request that reached the server on `hostHeader`. */
export function allowedOrigins(hostHeader: string, configuredPort: number): Set<string> {
  const out = new Set<string>();
  const m = /:(\d+)$/.exec(hostHeader);
  const ports = new Set<number>([configuredPort]);
  if (m) ports.add(Number(m[1]));
  for (const p of ports) {
    out.add(`http://127.0.0.1:${p}`);
    out.add(`http://localhost:${p}`);
  }
  return out;
}

/** Mounts `/v1/cloud/state`, `/v1/cloud/connect`, `/v1/cloud/connect/cancel`, `/v1/cloud/sync`, `/v1/cloud/wake`. */
export const cloudRoutes: LocalRoutes = (app: Hono, deps: LocalDeps): void => {
  const control = () => deps.cloud as CloudControl | undefined;

  app.use("/v1/cloud/*", async (c, next) => {
    const origin = c.req.header("origin");
    const allowed = allowedOrigins(c.req.header("host") ?? "", deps.config.dashboard.port);
    const post = c.req.method !== "GET" && c.req.method !== "HEAD";
    if (origin !== undefined ? !allowed.has(origin) : post) {
      return fail(
        c,
        403,
        "forbidden_origin",
        "Only the local dashboard may call the cloud control API",
      );
    }
    const site = c.req.header("sec-fetch-site");
    if (site && site !== "same-origin" && site !== "none") {
      return fail(c, 403, "forbidden_origin", "Cross-site requests are refused");
    }
    if (post) {
      const ct = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
      if (ct !== "application/json") {
        return fail(
          c,
          415,
          "unsupported_media_type",
          "The cloud control API takes application/json only",
        );
      }
    }
    if (!control()) {
      return fail(
        c,
        503,
        "cloud_unavailable",
        "The cloud supervisor is not running in this daemon",
      );
    }
    await next();
  });

  app.get("/v1/cloud/state", (c) => c.json(control()!.status()));

  app.post("/v1/cloud/connect", async (c) => {
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      return fail(c, 422, "validation_failed", "The body is not valid JSON");
    }
    const parsed = CloudConnectRequest.safeParse(raw ?? {});
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      return fail(
        c,
        422,
        "validation_failed",
        `${i?.path.join(".") || "body"}: ${i?.message ?? "invalid"}`,
      );
    }
    const st = control()!.status();
    if (st.state !== "NOT-CONFIGURED") {
      return fail(
        c,
        409,
        "already_paired",
        `Already paired with workspace ${
          st.workspace?.name ?? st.workspace?.id
        }; run \`halton-meter cloud disconnect\` first`,
      );
    }
    const r = await control()!.connect({
      base_url: parsed.data.base_url,
      poll_interval_seconds: parsed.data.poll_interval_seconds,
      timeout_seconds: parsed.data.timeout_seconds,
    });
    if (!r.ok) return fail(c, 502, "pairing_failed", r.error);
    return c.json(r.value, 201);
  });

  app.post("/v1/cloud/connect/cancel", async (c) => {
    const v = await control()!.cancelPairing();
    return c.json({ pairing: v });
  });

  app.post("/v1/cloud/sync", async (c) => {
    const report = await control()!.syncNow();
    return c.json(report);
  });

  app.post("/v1/cloud/wake", (c) => {
    control()!.wake();
    return c.json(control()!.status());
  });
};
