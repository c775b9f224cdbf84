/**
 * @module The proxy's only contract with the rest of the daemon: flows and hooks.
 * The proxy core knows flows, never providers. Hooks observe; they never touch traffic.
 */

/** How a flow entered the proxy. */
export type FlowMode = "mitm" | "base_url" | "http";

/** The request half of a flow, as known when its head arrives. */
export interface FlowRequest {
  /** UUID v4; becomes the stored row's `request_id`. */
  id: string;
  mode: FlowMode;
  method: string;
  /** Upstream authority, `hostname` or `hostname:port` (the real provider host, never a test override). */
  host: string;
  /** Path and query as forwarded upstream, with secret query params (`key=`) redacted. */
  path: string;
  /** Provider prefix in base-URL mode (`openai`, `anthropic`, …), else null. */
  routePrefix: string | null;
  /** Project slug from the `/p/<slug>/…` base-URL form, else null. */
  pathLabel: string | null;
  /** Client request headers, lower-case names, secrets (authorization, x-api-key, …) removed. */
  headers: Record<string, string>;
  /** SHA-256 hex of the API key the client sent, if any (the key itself is never kept). */
  apiKeySha256: string | null;
  /** Epoch milliseconds when the request head arrived. */
  startedAt: number;
  /** The client's TCP peer (loopback address and source port), for process attribution. */
  client: { address: string; port: number };
}

/** How an exchange ended. */
export type FlowOutcome = "complete" | "client_aborted" | "upstream_error" | "upstream_cut";

/** A finished exchange, handed to hooks after the response was forwarded. */
export interface Exchange {
  request: FlowRequest;
  /** Captured request body, at most `[capture] max_body_bytes`. */
  requestBody: Uint8Array;
  requestBodyBytes: number;
  requestBodyTruncated: boolean;
  /** Upstream status, or the proxy's own (502) when upstream failed; null if nothing was sent. */
  status: number | null;
  /** Response headers, lower-case names. */
  responseHeaders: Record<string, string>;
  /** Captured decoded (identity) response body, at most `[capture] max_body_bytes`. */
  responseBody: Uint8Array;
  responseBodyBytes: number;
  responseBodyTruncated: boolean;
  /** Epoch ms of the first response byte, or null. */
  ttfbAt: number | null;
  /** Epoch ms when the exchange ended. */
  endedAt: number;
  outcome: FlowOutcome;
  /** Cause when outcome is not complete. */
  error: string | null;
}

/** Observes decoded response chunks in order as they pass to the client. */
export interface ResponseTap {
  /** Called per chunk; must be cheap. A throw is caught, logged, and the tap is dropped. */
  chunk(bytes: Uint8Array): void;
}

/** What a hook wants done with a request before it is forwarded. */
export interface RequestDecision {
  /** Buffer the request body (when small and JSON) and pass it to `rewriteRequestBody`. */
  rewriteBody: boolean;
}

/** Capture hooks. Every call is guarded: a throwing hook is logged and traffic goes on. */
export interface FlowHooks {
  /** Before forwarding. May delete headers from `outgoing` (e.g. X-Halton-Project). Sync and fast. */
  onRequest?(req: FlowRequest, outgoing: Headers): RequestDecision | void;
  /** With `rewriteBody`: returns a replacement body, or null to forward it unchanged. */
  rewriteRequestBody?(req: FlowRequest, body: Uint8Array): Uint8Array | null;
  /** On the response head: returns a tap that sees each decoded chunk, or null. */
  onResponse?(req: FlowRequest, status: number, headers: Headers): ResponseTap | null;
  /** After the exchange ended. Never awaited by traffic. */
  onExchange(ex: Exchange, tap: ResponseTap | null): void;
}
