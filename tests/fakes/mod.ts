/**
 * @module Fake LLM provider upstreams for tests: one local HTTPS server (own test CA, separate from
 * the daemon CA) with a certificate for every real provider hostname, answering in each provider's
 * wire format from recorded bodies in `testdata/`. Point the proxy at it with
 * `HALTON_METER_TEST_UPSTREAM` = JSON(`hosts`) and `HALTON_METER_TEST_UPSTREAM_CA` = `caPemPath`.
 *
 * Scenarios (`opts.scenario`, or per request header `x-fake-scenario`): `normal`, `slow` (25 ms
 * between SSE events), `cut` (stream stops mid-way with a connection error), `gzip` (gzip when the
 * client accepts it), `hang` (SSE events every 50 ms until the client goes away), `error500`.
 * A WebSocket upgrade (any path, e.g. `/v1/realtime`) echoes text messages as `echo:<text>`.
 * Header `x-fake-fixture: <name>` forces a recorded body from `testdata/` (e.g.
 * `syn_anthropic_stream_midstream_error.response.sse`).
 */
import { generateCa, issueLeaf } from "../../daemon/proxy/ca.ts";
import { DEFAULT_INTERCEPT_HOSTS } from "../../daemon/proxy/routes.ts";
import { fakeResponse } from "./providers.ts";

/** A selectable upstream behaviour. */
export type FakeScenario = "normal" | "slow" | "cut" | "gzip" | "hang" | "error500";

/** One request as it arrived at the fake upstream. */
export interface FakeRequest {
  host: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Set when the client went away before the response ended. */
  aborted?: boolean;
  /** TCP source port of the connection it arrived on (distinct ports = distinct connections). */
  remotePort?: number;
}

/** Running fakes. */
export interface FakeProviders {
  /** Real host → "127.0.0.1:port" (feed to HALTON_METER_TEST_UPSTREAM). */
  hosts: Record<string, string>;
  /** The fakes' own test CA (feed to HALTON_METER_TEST_UPSTREAM_CA). */
  caPemPath: string;
  /** The same CA as PEM text. */
  caPem: string;
  port: number;
  /** What arrived upstream, in order. */
  requests: FakeRequest[];
  /** Env for a child process / daemon that should use these fakes. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Extra names on the fake certificate (for blind-tunnel tests). */
export const FAKE_EXTRA_HOSTS: string[] = ["blind.fake.test", "localhost", "127.0.0.1"];

/** Starts the fake providers on an ephemeral loopback port. */
export async function startFakeProviders(
  opts: { scenario?: FakeScenario } = {},
): Promise<FakeProviders> {
  const ca = await generateCa("halton-meter TEST upstream CA");
  const leaf = await issueLeaf(ca, [...DEFAULT_INTERCEPT_HOSTS, ...FAKE_EXTRA_HOSTS]);
  const dir = await Deno.makeTempDir({ prefix: "hm-fakes-" });
  const caPemPath = `${dir}/fake-ca.pem`;
  await Deno.writeTextFile(caPemPath, ca.certPem);
  const requests: FakeRequest[] = [];
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: leaf.certPem,
    key: leaf.keyPem,
    onListen() {},
  }, async (req, info) => {
    const url = new URL(req.url);
    const host = (req.headers.get("host") ?? url.host).replace(/:\d+$/, "").toLowerCase();
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => headers[k] = v);
    if ((req.headers.get("upgrade") ?? "").toLowerCase() === "websocket") {
      // Realtime-style WebSocket: echoes each text message as "echo:<text>".
      requests.push({
        host,
        method: req.method,
        path: url.pathname + url.search,
        headers,
        body: "",
      });
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onmessage = (e) => socket.send(`echo:${e.data}`);
      return response;
    }
    const body = req.body ? await req.text() : "";
    const rec: FakeRequest = {
      host,
      method: req.method,
      path: url.pathname + url.search,
      headers,
      body,
      remotePort: (info.remoteAddr as Deno.NetAddr).port,
    };
    requests.push(rec);
    const scenario =
      (req.headers.get("x-fake-scenario") ?? opts.scenario ?? "normal") as FakeScenario;
    return fakeResponse({
      host,
      method: req.method,
      url,
      body,
      headers: req.headers,
      scenario,
      onAbort: () => rec.aborted = true,
    });
  });
  const port = server.addr.port;
  const hosts: Record<string, string> = {};
  for (const h of [...DEFAULT_INTERCEPT_HOSTS, "blind.fake.test"]) hosts[h] = `127.0.0.1:${port}`;
  return {
    hosts,
    caPemPath,
    caPem: ca.certPem,
    port,
    requests,
    env: {
      HALTON_METER_TEST_UPSTREAM: JSON.stringify(hosts),
      HALTON_METER_TEST_UPSTREAM_CA: caPemPath,
    },
    async close() {
      await server.shutdown().catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
