/** @module Test helpers for adapters: recorded fixtures from testdata/ and synthetic exchanges. */
import type { Exchange, FlowOutcome, FlowRequest } from "../proxy/flow.ts";

const enc = new TextEncoder();

/** One recorded fixture as stored in testdata/<provider>/<case>.*. */
export interface Fixture {
  name: string;
  provider: string;
  url: string;
  method: string;
  status: number;
  headers: Record<string, string>;
  request: Uint8Array;
  response: Uint8Array;
  normalised: Record<string, unknown>;
  expectedCostUsd: string;
}

const ROOT = new URL("./testdata/", import.meta.url);

/** Loads every fixture under testdata/, sorted by name. */
export function loadFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const dir of Deno.readDirSync(ROOT)) {
    if (!dir.isDirectory) continue;
    const base = new URL(`${dir.name}/`, ROOT);
    for (const f of Deno.readDirSync(base)) {
      if (!f.name.endsWith(".expected.json")) continue;
      const name = f.name.slice(0, -".expected.json".length);
      const exp = JSON.parse(Deno.readTextFileSync(new URL(f.name, base)));
      let request = new Uint8Array();
      try {
        request = Deno.readFileSync(new URL(`${name}.request.json`, base));
      } catch { /* some fixtures have no recorded request */ }
      const respName = [`${name}.response.sse`, `${name}.response.json`].find((n) => {
        try {
          Deno.statSync(new URL(n, base));
          return true;
        } catch {
          return false;
        }
      })!;
      out.push({
        name,
        provider: dir.name,
        url: exp.url,
        method: exp.method,
        status: exp.status,
        headers: exp.response_headers,
        request,
        response: Deno.readFileSync(new URL(respName, base)),
        normalised: exp.normalised,
        expectedCostUsd: exp.expected_cost_usd,
      });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** A FlowRequest for a URL. */
export function flowRequest(url: string, opts: Partial<FlowRequest> = {}): FlowRequest {
  const u = new URL(url);
  return {
    id: crypto.randomUUID(),
    mode: "mitm",
    method: "POST",
    host: u.host,
    path: u.pathname + u.search,
    routePrefix: null,
    pathLabel: null,
    headers: {},
    apiKeySha256: null,
    startedAt: Date.parse("2026-08-01T00:00:00Z"),
    client: { address: "127.0.0.1", port: 50000 },
    ...opts,
  };
}

/** A finished exchange. */
export function exchange(opts: {
  url: string;
  method?: string;
  status?: number;
  requestBody?: string | Uint8Array;
  responseBody?: string | Uint8Array;
  headers?: Record<string, string>;
  outcome?: FlowOutcome;
  req?: Partial<FlowRequest>;
}): Exchange {
  const b = (v: string | Uint8Array | undefined) =>
    typeof v === "string" ? enc.encode(v) : v ?? new Uint8Array();
  const requestBody = b(opts.requestBody);
  const responseBody = b(opts.responseBody);
  const request = flowRequest(opts.url, { method: opts.method ?? "POST", ...opts.req });
  return {
    request,
    requestBody,
    requestBodyBytes: requestBody.length,
    requestBodyTruncated: false,
    status: opts.status ?? 200,
    responseHeaders: opts.headers ?? {},
    responseBody,
    responseBodyBytes: responseBody.length,
    responseBodyTruncated: false,
    ttfbAt: request.startedAt + 10,
    endedAt: request.startedAt + 100,
    outcome: opts.outcome ?? "complete",
    error: opts.outcome && opts.outcome !== "complete" ? "cut" : null,
  };
}

/** The exchange of a recorded fixture. */
export function fixtureExchange(f: Fixture, overrides: Partial<Exchange> = {}): Exchange {
  return {
    ...exchange({
      url: f.url,
      method: f.method,
      status: f.status,
      requestBody: f.request,
      responseBody: f.response,
      headers: f.headers,
    }),
    ...overrides,
  };
}

/** USD decimal string → exact millicents decimal string (×100000), trailing zeros trimmed. */
export function usdToMillicents(usd: string): string {
  const [w, f = ""] = usd.split(".");
  const digits = (w + f.padEnd(5, "0").slice(0, 5)).replace(/^0+(?=\d)/, "");
  const rest = f.length > 5 ? f.slice(5).replace(/0+$/, "") : "";
  return rest ? `${digits}.${rest}` : digits;
}
