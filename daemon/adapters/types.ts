/** @module The provider adapter contract: pure parsing of exchanges into normalised usage. */
import type { Result } from "../../shared/result.ts";
import type { ProviderId, Usage } from "../../shared/schemas/usage.ts";
import type { Exchange, FlowRequest } from "../proxy/flow.ts";

/** Incremental response parser fed chunk by chunk from the proxy tap. Events may split anywhere. */
export interface StreamParser {
  /** Feeds the next decoded response chunk. Never throws on bad input; records it instead. */
  push(chunk: Uint8Array): void;
  /** Produces the usage once the exchange ended (complete, aborted or cut). */
  finish(ex: Exchange): Result<Usage, string>;
}

/** A provider adapter: small, pure, no I/O, no state outside the parsers it creates. */
export interface Adapter {
  id: ProviderId;
  /** True when this adapter reads this request (by host, or by base-URL route prefix). */
  matches(req: FlowRequest): boolean;
  /** Pure: a whole finished exchange to usage (equivalent to one parser fed the whole body). */
  parse(ex: Exchange): Result<Usage, string>;
  /** A fresh incremental parser for one response. */
  streamParser(req: FlowRequest, status: number, contentType: string): StreamParser;
  /** Whether the request body should be buffered for `rewriteRequest` (e.g. stream usage injection). */
  wantsRewrite?(req: FlowRequest, opts: { injectStreamUsage: boolean }): boolean;
  /** Returns a rewritten request body or null to keep it (e.g. add stream_options.include_usage). */
  rewriteRequest?(req: FlowRequest, body: Uint8Array): Uint8Array | null;
}
