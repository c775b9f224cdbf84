/**
 * @module Helpers for the cloud end-to-end tests: the SERVER's real app on a fresh Postgres
 * database behind an HTTP listener that can be stopped and restarted on the same port, pairing a
 * daemon through `cloud connect` with approval by a signed-in member, and polling helpers that
 * wait on conditions (never on wall time).
 */
import { fileURLToPath } from "node:url";
import { startTestServer, type TestServer } from "../../server/testing.ts";
import { systemClock } from "../../server/app.ts";
import { PERMISSION_FLAGS } from "../../daemon/process/spawn.ts";
import type { HomePaths } from "../../daemon/home.ts";
import { connectDaemon } from "../../daemon/local_api/client.ts";
import { CloudStatus } from "../../shared/schemas/cloud_status.ts";
import { cliArgv, runCli } from "./cli_helpers.ts";

const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));
const CLIENT = fileURLToPath(new URL("./cloud_client.ts", import.meta.url));

/** Polls `cond` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  cond: () => Promise<T> | T,
  timeoutMs = 60_000,
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The real server app on a fresh database, listening on a port that survives stop/start. */
export interface CloudServer {
  ts: TestServer;
  baseUrl: string;
  /** Stops listening (connections refused) without touching the database. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the server (real clock) on a free loopback port. */
export async function startCloudServer(): Promise<CloudServer> {
  const ts = await startTestServer({ clock: systemClock });
  let port = 0;
  let server: Deno.HttpServer | null = null;
  const listen = async () => {
    const ready = Promise.withResolvers<number>();
    server = Deno.serve(
      { port, hostname: "127.0.0.1", onListen: (a) => ready.resolve(a.port) },
      ts.app.fetch,
    );
    port = await ready.promise;
  };
  await listen();
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    ts,
    baseUrl,
    stop: async () => {
      await server?.shutdown();
      server = null;
    },
    start: listen,
    close: async () => {
      await server?.shutdown();
      await ts.close();
    },
  };
}

/** A JSON request init with a session cookie. */
export function asMember(cookie: string, method = "GET", body?: unknown): RequestInit {
  return {
    method,
    headers: { cookie, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
}

/** The cloud status from the running daemon's local API. */
export async function daemonCloudState(paths: HomePaths): Promise<CloudStatus> {
  const d = await connectDaemon(paths);
  if (!d) throw new Error("daemon not answering");
  return CloudStatus.parse(await d.getJson("/v1/cloud/state"));
}

/**
 * Runs `cloud connect --no-browser` in the background, approves its code through the server API as
 * the signed-in member, and returns the finished CLI run.
 */
export async function pairThroughCli(
  home: string,
  paths: HomePaths,
  server: CloudServer,
  o: { cookie: string; workspaceId: string; env?: Record<string, string> },
): Promise<{ code: number; stdout: string; stderr: string; pairCode: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: cliArgv(["cloud", "connect", "--no-browser", "--poll-interval-seconds", "0.5"]),
    env: {
      HALTON_METER_HOME: home,
      NO_COLOR: "1",
      HALTON_METER_CLOUD_URL: server.baseUrl,
      ...o.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = child.output();
  const pairing = await waitFor("a pairing code in the daemon", async () => {
    const s = await daemonCloudState(paths);
    return s.pairing?.status === "pending" ? s.pairing : null;
  }, 30_000);
  const res = await server.ts.fetch(
    "/v1/pairing/approve",
    asMember(o.cookie, "POST", { code: pairing.code, workspace_id: o.workspaceId }),
  );
  if (res.status !== 200) throw new Error(`approve failed: ${res.status} ${await res.text()}`);
  await res.body?.cancel();
  const done = await out;
  const dec = new TextDecoder();
  return {
    code: done.code,
    stdout: dec.decode(done.stdout),
    stderr: dec.decode(done.stderr),
    pairCode: pairing.code!,
  };
}

/** Sends `count` OpenAI chat requests through the daemon's proxy for `project`. */
export async function capture(
  env: Record<string, string>,
  project: string,
  count: number,
  promptChars = 0,
): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...PERMISSION_FLAGS,
      "--config",
      CONFIG,
      CLIENT,
      project,
      String(count),
      String(promptChars),
    ],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (out.code !== 0 || JSON.parse(text).ok !== count) {
    throw new Error(`capture client failed: ${text} ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Parses `export NAME='value'` lines (bash output of `halton-meter env`). */
export async function proxyEnv(home: string): Promise<Record<string, string>> {
  const r = await runCli(home, ["env", "--shell", "bash"]);
  const env: Record<string, string> = {};
  for (const m of r.stdout.matchAll(/^export ([A-Z_]+)='(.*)'$/gm)) {
    env[m[1]] = m[2].replaceAll(`'\\''`, "'");
  }
  if (!env.HTTPS_PROXY) {
    throw new Error(`halton-meter env gave no HTTPS_PROXY: ${r.stdout} ${r.stderr}`);
  }
  return env;
}
