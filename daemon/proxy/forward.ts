/**
 * @module One flow end to end: a decrypted (or plain / base-URL) request from the internal
 * server is turned into a `FlowRequest` (secrets stripped), passed to the hooks, forwarded with
 * Deno `fetch` (bodies streamed both ways with backpressure), observed chunk by chunk as it passes
 * to the client, and handed to `onExchange` once it ended. Hooks never delay or break traffic.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../log.ts";
import type {
  Exchange,
  FlowHooks,
  FlowMode,
  FlowOutcome,
  FlowRequest,
  RequestDecision,
  ResponseTap,
} from "./flow.ts";
import { findApiKey, redactQuery, SECRET_HEADERS, sha256Hex } from "./secrets.ts";
import type { Upstream } from "./upstream.ts";
import { bodyOf, bufferForRewrite, Capture } from "./bodies.ts";

/** Hop-by-hop headers, removed in both directions. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "http2-settings",
]);

/** Shared, per-proxy state for forwarding. */
export interface ForwardContext {
  hooks: FlowHooks;
  logger: Logger;
  upstream: Upstream;
  maxBodyBytes: number;
}

/** Where a request goes, as decided by the front / terminator. */
export interface FlowTarget {
  mode: FlowMode;
  scheme: "https" | "http";
  /** Authority `host` or `host:port` (the real provider host). */
  host: string;
  /** Path and query, unredacted (forwarded as is). */
  path: string;
  routePrefix: string | null;
  pathLabel: string | null;
  client: { address: string; port: number };
}

function guard<T>(ctx: ForwardContext, hook: string, fn: () => T): T | null {
  try {
    return fn();
  } catch (e) {
    ctx.logger.warn("Capture hook failed", { hook, error: (e as Error)?.message ?? String(e) });
    return null;
  }
}

/** Ends a request with a JSON error `{"error":{code,message}}` (or destroys it if headers went out). */
export function sendJsonError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  const bytes = new TextEncoder().encode(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": bytes.length });
  res.end(bytes);
}

/**
 * Ends the client connection without finishing the body, after what was written is flushed, so
 * the client sees the bytes that arrived and then an incomplete response (not a clean end).
 */
function cutResponse(res: ServerResponse): void {
  const sock = res.socket;
  if (!sock) return void res.destroy();
  sock.end();
  const t = setTimeout(() => sock.destroy(), 2000);
  sock.once("close", () => clearTimeout(t));
}

function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

function causeOf(e: unknown): string {
  const err = e as Error & { cause?: Error };
  const msg = err?.cause?.message
    ? `${err.message}: ${err.cause.message}`
    : err?.message ?? String(e);
  return redactQuery(msg.split("\n")[0]);
}

/** Forwards one request and streams the response back. Resolves when the exchange ended. */
export async function forwardFlow(
  ctx: ForwardContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: FlowTarget,
): Promise<void> {
  const startedAt = Date.now();
  const method = req.method ?? "GET";
  const outgoing = new Headers();
  const captured: Record<string, string> = {};
  const raw = req.rawHeaders;
  const connTokens = new Set(
    (req.headers["connection"] ?? "").toString().toLowerCase().split(",").map((s) => s.trim()),
  );
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1];
    if (HOP_BY_HOP.has(name) || connTokens.has(name)) continue;
    if (name !== "content-length" && name !== "expect") {
      try {
        outgoing.append(name, value);
      } catch { /* invalid header value: drop it */ }
    }
    if (!SECRET_HEADERS.has(name)) {
      const v = redactQuery(value);
      captured[name] = name in captured ? `${captured[name]}, ${v}` : v;
    }
  }
  // Deno fetch decodes gzip/br when it negotiated them: ask for exactly those.
  outgoing.set("accept-encoding", "gzip, br");
  const apiKey = findApiKey(outgoing, target.path);
  const flow: FlowRequest = {
    id: crypto.randomUUID(),
    mode: target.mode,
    method,
    host: target.host,
    path: redactQuery(target.path),
    routePrefix: target.routePrefix,
    pathLabel: target.pathLabel,
    headers: captured,
    apiKeySha256: apiKey ? sha256Hex(apiKey) : null,
    startedAt,
    client: target.client,
  };
  const decision = ctx.hooks.onRequest
    ? guard(ctx, "onRequest", () => ctx.hooks.onRequest!(flow, outgoing)) as RequestDecision | null
    : null;

  const reqCap = new Capture(ctx.maxBodyBytes);
  const abort = new AbortController();
  let clientGone = false;
  const onClose = () => {
    if (!res.writableFinished) {
      clientGone = true;
      abort.abort(new Error("Client disconnected"));
    }
  };
  res.on("close", onClose);

  let status: number | null = null;
  const responseHeaders: Record<string, string> = {};
  const resCap = new Capture(ctx.maxBodyBytes);
  let ttfbAt: number | null = null;
  let tap: ResponseTap | null = null;
  let outcome: FlowOutcome = "complete";
  let error: string | null = null;

  try {
    const hasBody = method !== "GET" && method !== "HEAD" &&
      (req.headers["content-length"] !== undefined && req.headers["content-length"] !== "0" ||
        req.headers["transfer-encoding"] !== undefined);
    let body: BodyInit | undefined;
    if (hasBody) {
      try {
        body = decision?.rewriteBody && ctx.hooks.rewriteRequestBody
          ? await bufferForRewrite(
            req,
            ctx.maxBodyBytes,
            reqCap,
            outgoing,
            (b) => guard(ctx, "rewriteRequestBody", () => ctx.hooks.rewriteRequestBody!(flow, b)),
          )
          : await bodyOf(req, reqCap);
      } catch (e) {
        outcome = "client_aborted";
        error = `Client request body failed: ${causeOf(e)}`;
        res.destroy();
        return;
      }
    }
    const url = new URL(`${target.scheme}://${target.host}${target.path}`);
    let resp: Response;
    try {
      resp = await ctx.upstream.fetch(url, {
        method,
        headers: outgoing,
        body,
        redirect: "manual",
        signal: abort.signal,
        // @ts-ignore: duplex is required by fetch for streamed request bodies
        duplex: "half",
      });
    } catch (e) {
      if (clientGone) {
        outcome = "client_aborted";
        error = "Client disconnected before the response";
      } else {
        outcome = "upstream_error";
        error = causeOf(e);
        status = 502;
        ctx.logger.warn("Upstream request failed", { host: flow.host, error });
        sendJsonError(res, 502, "upstream_unreachable", `Cannot reach ${flow.host}: ${error}`);
      }
      return;
    }
    status = resp.status;
    const headersOut: Record<string, string | string[]> = {};
    const decoded = /^(gzip|x-gzip|br)$/i.test(resp.headers.get("content-encoding") ?? "");
    const rtokens = new Set(
      (resp.headers.get("connection") ?? "").toLowerCase().split(",").map((s) => s.trim()),
    );
    for (const [name, value] of resp.headers) {
      if (HOP_BY_HOP.has(name) || rtokens.has(name)) continue;
      if (decoded && (name === "content-encoding" || name === "content-length")) continue;
      if (name === "set-cookie") {
        headersOut[name] = resp.headers.getSetCookie();
        responseHeaders[name] = "[set-cookie]";
        continue;
      }
      headersOut[name] = value;
      responseHeaders[name] = value;
    }
    let hookHeaders = resp.headers;
    if (decoded) {
      // Response headers are immutable: hand hooks a copy that matches the decoded bytes.
      hookHeaders = new Headers(resp.headers);
      hookHeaders.delete("content-encoding");
      hookHeaders.delete("content-length");
    }
    tap = ctx.hooks.onResponse
      ? guard(ctx, "onResponse", () => ctx.hooks.onResponse!(flow, resp.status, hookHeaders))
      : null;
    if (res.destroyed) {
      outcome = "client_aborted";
      error = "Client disconnected before the response";
      await resp.body?.cancel().catch(() => {});
      return;
    }
    res.writeHead(resp.status, headersOut);
    if (!resp.body || method === "HEAD") {
      ttfbAt = Date.now();
      await resp.body?.cancel().catch(() => {});
      res.end();
      return;
    }
    const reader = resp.body.getReader();
    while (true) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        if (clientGone) {
          outcome = "client_aborted";
          error = "Client disconnected mid-response";
        } else {
          outcome = "upstream_cut";
          error = causeOf(e);
          cutResponse(res);
        }
        return;
      }
      if (r.done) break;
      const chunk = r.value;
      if (ttfbAt === null) ttfbAt = Date.now();
      if (clientGone) {
        resCap.add(chunk);
        outcome = "client_aborted";
        error = "Client disconnected mid-response";
        reader.cancel().catch(() => {});
        return;
      }
      // Forward first, observe second: the tap's work never sits in front of the client's bytes.
      const flowing = res.write(chunk);
      resCap.add(chunk);
      if (tap) {
        const t = tap;
        if (guard(ctx, "tap.chunk", () => (t.chunk(chunk), true)) === null) tap = null;
      }
      if (!flowing) await waitDrain(res);
    }
    if (ttfbAt === null) ttfbAt = Date.now();
    if (clientGone) {
      outcome = "client_aborted";
      error = "Client disconnected mid-response";
    } else res.end();
  } finally {
    res.off("close", onClose);
    const ex: Exchange = {
      request: flow,
      requestBody: reqCap.bytes(),
      requestBodyBytes: reqCap.total,
      requestBodyTruncated: reqCap.truncated,
      status,
      responseHeaders,
      responseBody: resCap.bytes(),
      responseBodyBytes: resCap.total,
      responseBodyTruncated: resCap.truncated,
      ttfbAt,
      endedAt: Date.now(),
      outcome,
      error,
    };
    const finalTap = tap;
    // After the response was handed to the socket, on a later turn: never in traffic's way.
    setTimeout(() => {
      const r = guard(ctx, "onExchange", () => ctx.hooks.onExchange(ex, finalTap)) as unknown;
      if (r && typeof (r as Promise<unknown>).catch === "function") {
        (r as Promise<unknown>).catch((e) =>
          ctx.logger.warn("Capture hook failed", { hook: "onExchange", error: String(e) })
        );
      }
    }, 0);
  }
}
