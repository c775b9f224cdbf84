/** @module Test helpers: a real client process connected to a loopback listener, and requests. */
import type { FlowRequest } from "../proxy/flow.ts";

/** A spawned client process holding one open connection to a test listener. */
export interface TestClient {
  pid: number;
  /** The client's source port (the local port of its socket). */
  port: number;
  close(): Promise<void>;
}

/**
 * Spawns `deno eval` with a chosen cwd and env that connects to a fresh loopback listener and
 * waits. `wrapper` runs it under another program (e.g. a shell named like an IDE).
 */
export async function spawnClient(
  opts: { cwd: string; env?: Record<string, string>; wrapper?: string[] },
): Promise<TestClient> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const script =
    `const c = await Deno.connect({ hostname: "127.0.0.1", port: ${port} }); await c.write(new Uint8Array([1])); await c.read(new Uint8Array(1));`;
  const deno = Deno.execPath();
  const cmd = opts.wrapper
    ? [...opts.wrapper.map((a) => a.replace("{CMD}", `'${deno}' eval '${script}'; :`))]
    : [deno, "eval", script];
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd: opts.cwd,
    env: { HALTON_METER_PROJECT: "", NO_COLOR: "1", ...(opts.env ?? {}) },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const conn = await listener.accept();
  await conn.read(new Uint8Array(1));
  const clientPort = (conn.remoteAddr as Deno.NetAddr).port;
  return {
    pid: child.pid,
    port: clientPort,
    async close() {
      // Closing our end makes the client read EOF and exit (wrapped or not).
      conn.close();
      listener.close();
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
    },
  };
}

/** A FlowRequest for tests. */
export function testRequest(over: Partial<FlowRequest> = {}): FlowRequest {
  return {
    id: crypto.randomUUID(),
    mode: "base_url",
    method: "POST",
    host: "api.openai.com",
    path: "/v1/chat/completions",
    routePrefix: "openai",
    pathLabel: null,
    headers: {},
    apiKeySha256: null,
    startedAt: Date.now(),
    client: { address: "127.0.0.1", port: 1 },
    ...over,
  };
}
