/**
 * @module Capture: the proxy's hooks. Each finished exchange becomes one stored row: adapter
 * usage → price → attribution → batched write. A failure anywhere is logged and still yields a
 * row with what is known ("a row with unknown usage is still a row"); nothing here touches
 * traffic.
 */
import type { Adapter, StreamParser } from "../adapters/types.ts";
import type { Attribution, Attributor } from "../attribution/types.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Exchange, FlowHooks, FlowRequest, ResponseTap } from "../proxy/flow.ts";
import type { BatchWriter, StoredBody, StoredRow } from "../store/store.ts";
import { costOf } from "../../shared/pricing/mod.ts";
import type { CostResult, PriceTable } from "../../shared/pricing/types.ts";
import { emptyUsage, type Usage } from "../../shared/schemas/usage.ts";
import { promptHash } from "./prompt_hash.ts";

/** Finds the adapter that reads a request (see daemon/adapters/mod.ts). */
export interface AdapterFinder {
  find(req: FlowRequest): Adapter | null;
}

/** What capture needs; wired in system.ts. */
export interface CaptureDeps {
  registry: AdapterFinder;
  prices: () => PriceTable;
  attributor: Attributor;
  writer: Pick<BatchWriter, "add">;
  config: Config;
  hostname: string;
  logger: Logger;
  onRow?: (row: StoredRow) => void;
  /** Longest wait for attribution after the exchange before the default project is used. */
  attributionTimeoutMs?: number;
}

interface FlowState {
  adapter: Adapter | null;
  attribution: Promise<Attribution>;
  parser: StreamParser | null;
  parserFailed: string | null;
}

const MAX_OPEN_FLOWS = 20_000;

/** The capture hooks, plus `drain` for shutdown. */
export interface Capture extends FlowHooks {
  /** Resolves once every exchange handed to `onExchange` so far has been queued for writing. */
  drain(): Promise<void>;
}

/** Creates the capture hooks. */
export function createCapture(deps: CaptureDeps): Capture {
  const log = deps.logger.child({ component: "capture" });
  const flows = new Map<string, FlowState>();
  const finishing = new Set<Promise<void>>();
  const defaultProject = deps.config.attribution.default_project ?? "unattributed";
  const fallbackAttribution = (detail: string): Attribution => ({
    project_id: defaultProject,
    attribution_method: "default",
    trail: [{ resolver: "default", project: defaultProject, detail }],
    source_workdir: null,
    client_pid: null,
  });

  const findAdapter = (req: FlowRequest): Adapter | null => {
    try {
      return deps.registry.find(req);
    } catch (e) {
      log.error("adapter lookup failed", { request_id: req.id, error: e });
      return null;
    }
  };

  const startAttribution = (req: FlowRequest): Promise<Attribution> => {
    try {
      return deps.attributor.resolve(req).catch((e) => {
        log.error("attribution failed", { request_id: req.id, error: e });
        return fallbackAttribution("attribution failed");
      });
    } catch (e) {
      log.error("attribution failed", { request_id: req.id, error: e });
      return Promise.resolve(fallbackAttribution("attribution failed"));
    }
  };

  const stateOf = (req: FlowRequest): FlowState => {
    let s = flows.get(req.id);
    if (!s) {
      if (flows.size >= MAX_OPEN_FLOWS) {
        const oldest = flows.keys().next().value;
        if (oldest !== undefined) flows.delete(oldest);
      }
      s = {
        adapter: findAdapter(req),
        attribution: startAttribution(req),
        parser: null,
        parserFailed: null,
      };
      flows.set(req.id, s);
    }
    return s;
  };

  return {
    onRequest(req: FlowRequest, outgoing: Headers) {
      outgoing.delete("x-halton-project");
      const s = stateOf(req);
      let rewriteBody = false;
      try {
        rewriteBody = s.adapter?.wantsRewrite?.(req, {
          injectStreamUsage: deps.config.capture.inject_stream_usage,
        }) ??
          false;
      } catch (e) {
        log.error("adapter wantsRewrite failed", { request_id: req.id, error: e });
      }
      return { rewriteBody };
    },

    rewriteRequestBody(req: FlowRequest, body: Uint8Array): Uint8Array | null {
      const s = flows.get(req.id);
      try {
        return s?.adapter?.rewriteRequest?.(req, body) ?? null;
      } catch (e) {
        log.error("adapter rewriteRequest failed", { request_id: req.id, error: e });
        return null;
      }
    },

    onResponse(req: FlowRequest, status: number, headers: Headers): ResponseTap | null {
      const s = stateOf(req);
      if (!s.adapter) return null;
      try {
        s.parser = s.adapter.streamParser(req, status, headers.get("content-type") ?? "");
      } catch (e) {
        s.parserFailed = `parser creation failed: ${(e as Error).message}`;
        log.error("adapter streamParser failed", { request_id: req.id, error: e });
        return null;
      }
      return {
        chunk(bytes: Uint8Array) {
          if (s.parser === null) return;
          try {
            s.parser.push(bytes);
          } catch (e) {
            s.parser = null;
            s.parserFailed = `parser failed: ${(e as Error).message}`;
            log.error("adapter parser threw; dropped", { request_id: req.id, error: e });
          }
        },
      };
    },

    onExchange(ex: Exchange, _tap: ResponseTap | null): void {
      const req = ex.request;
      const s = stateOf(req);
      flows.delete(req.id);
      const p = finishExchange(ex, s)
        .catch((e) => log.error("capture failed", { request_id: req.id, error: e }))
        .finally(() => finishing.delete(p));
      finishing.add(p);
    },

    async drain(): Promise<void> {
      while (finishing.size > 0) await Promise.allSettled([...finishing]);
    },
  };

  async function finishExchange(ex: Exchange, s: FlowState): Promise<void> {
    const req = ex.request;
    let usage: Usage | null = null;
    let captureError: string | null = null;
    if (s.adapter) {
      try {
        if (s.parserFailed) {
          usage = emptyUsage(s.adapter.id, "unparsed");
          captureError = s.parserFailed;
        } else {
          const res = s.parser ? s.parser.finish(ex) : s.adapter.parse(ex);
          if (res.ok) usage = res.value;
          else {
            usage = emptyUsage(s.adapter.id, "unparsed");
            captureError = res.error;
          }
        }
      } catch (e) {
        usage = emptyUsage(s.adapter.id, "unparsed");
        captureError = `parser failed: ${(e as Error).message}`;
        log.error("adapter finish failed", { request_id: req.id, error: e });
      }
    }

    let cost: CostResult | null = null;
    let pricingVersion: string | null = null;
    try {
      const table = deps.prices();
      pricingVersion = table.version;
      if (usage) cost = costOf(usage, table, new Date(req.startedAt));
    } catch (e) {
      log.error("pricing failed", { request_id: req.id, error: e });
    }

    const attribution = await withTimeout(s.attribution, deps.attributionTimeoutMs ?? 10_000)
      .catch(() => fallbackAttribution("attribution timed out"));

    let hash: string | null = null;
    try {
      hash = promptHash(ex.requestBody, ex.requestBodyTruncated);
    } catch { /* not hashable */ }

    let row: StoredRow;
    try {
      row = buildRow(
        ex,
        usage,
        cost,
        pricingVersion,
        attribution,
        hash,
        captureError,
        deps.hostname,
      );
      const bodies = deps.config.capture.store_bodies
        ? buildBodies(ex, deps.config.capture.max_body_bytes)
        : [];
      deps.writer.add(row, bodies);
    } catch (e) {
      // Still a row: the bare exchange without usage, cost or bodies.
      log.error("capture row failed; writing a bare row", { request_id: req.id, error: e });
      row = buildRow(
        ex,
        null,
        null,
        pricingVersion,
        fallbackAttribution("capture failed"),
        null,
        `capture failed: ${(e as Error).message}`,
        deps.hostname,
      );
      deps.writer.add(row, []);
    }
    try {
      deps.onRow?.(row);
    } catch (e) {
      log.error("onRow failed", { request_id: req.id, error: e });
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function ms(from: number, to: number | null): number | null {
  return to === null ? null : Math.max(0, Math.round(to - from));
}

/** Builds the stored row of one exchange from whatever is known. */
export function buildRow(
  ex: Exchange,
  usage: Usage | null,
  cost: CostResult | null,
  pricingVersion: string | null,
  attribution: Attribution,
  prompt_hash: string | null,
  captureError: string | null,
  hostname: string,
): StoredRow {
  const req = ex.request;
  const contentType = ex.responseHeaders["content-type"] ?? "";
  const ua = req.headers["user-agent"] ?? null;
  return {
    request_id: req.id,
    timestamp: new Date(req.startedAt).toISOString(),
    provider: usage?.provider ?? null,
    model: usage?.model ?? null,
    requested_model: usage?.requested_model ?? null,
    method: req.method,
    host: req.host,
    path: req.path,
    status_code: ex.status,
    mode: req.mode,
    stream: usage?.stream ?? contentType.includes("text/event-stream"),
    operation: usage?.operation ?? null,
    prompt_tokens: usage?.prompt_tokens ?? null,
    completion_tokens: usage?.completion_tokens ?? null,
    cache_read_tokens: usage?.cache_read_tokens ?? null,
    cache_write_tokens: usage?.cache_write_tokens ?? null,
    cache_write_5m_tokens: usage?.cache_write_5m_tokens ?? null,
    cache_write_1h_tokens: usage?.cache_write_1h_tokens ?? null,
    reasoning_tokens: usage?.reasoning_tokens ?? null,
    web_search_requests: usage?.web_search_requests ?? null,
    usage_status: usage?.usage_status ?? null,
    batch: usage?.batch ?? false,
    billable: usage?.billable ?? true,
    service_tier: usage?.service_tier ?? null,
    inference_geo: usage?.inference_geo ?? null,
    speed: usage?.speed ?? null,
    cost_usd_millicents: cost?.cost_usd_millicents ?? null,
    priced: cost?.priced ?? false,
    pricing_version: cost?.pricing_version ?? pricingVersion,
    provider_request_id: usage?.provider_request_id ?? null,
    project_id: attribution.project_id,
    attribution_method: attribution.attribution_method,
    attribution_trail: JSON.stringify(attribution.trail),
    hostname,
    prompt_hash,
    user_agent: ua === null ? null : ua.slice(0, 512),
    error: ex.error ?? usage?.error ?? captureError,
    outcome: ex.outcome,
    source_workdir: attribution.source_workdir,
    client_pid: attribution.client_pid,
    latency_ms: ms(req.startedAt, ex.endedAt),
    ttfb_ms: ms(req.startedAt, ex.ttfbAt),
    request_bytes: ex.requestBodyBytes,
    response_bytes: ex.responseBodyBytes,
  };
}

/** The bodies to keep, each capped at `maxBytes` with a truncated flag. */
export function buildBodies(ex: Exchange, maxBytes: number): StoredBody[] {
  const out: StoredBody[] = [];
  const add = (
    direction: "request" | "response",
    content: Uint8Array,
    bytes: number,
    truncated: boolean,
    contentType: string | undefined,
  ) => {
    if (bytes === 0 && content.length === 0) return;
    const cut = content.length > maxBytes;
    out.push({
      request_id: ex.request.id,
      direction,
      content_type: contentType ?? null,
      content: cut ? content.slice(0, maxBytes) : content,
      bytes,
      truncated: truncated || cut,
    });
  };
  add(
    "request",
    ex.requestBody,
    ex.requestBodyBytes,
    ex.requestBodyTruncated,
    ex.request.headers["content-type"],
  );
  add(
    "response",
    ex.responseBody,
    ex.responseBodyBytes,
    ex.responseBodyTruncated,
    ex.responseHeaders["content-type"],
  );
  return out;
}
