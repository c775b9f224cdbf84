/** @module Attribution against real processes, real directories and real /proc. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfig } from "../config.ts";
import { createLogger, nullLogger } from "../log.ts";
import { createAttributor, explain, systemInspector } from "./mod.ts";
import type { ProcessInspector, SocketLookup } from "./process.ts";
import { spawnClient, testRequest } from "./testing.ts";

const config = (() => {
  const r = parseConfig(`[attribution]\n[attribution.api_keys]\n"abcdef12" = "billing"\n`);
  if (!r.ok) throw new Error(r.error);
  return r.value;
})();
const linux = Deno.build.os === "linux";

async function tempTree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "hm-attr-" });
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel);
    await Deno.mkdir(join(p, ".."), { recursive: true });
    if (rel.endsWith("/")) await Deno.mkdir(p, { recursive: true });
    else await Deno.writeTextFile(p, text);
  }
  return root;
}

Deno.test("request-level resolvers win without a process lookup", async (t) => {
  const cases = [
    {
      name: "header",
      req: { headers: { "x-halton-project": "web-app" } },
      want: ["web-app", "header"],
    },
    { name: "path_label", req: { pathLabel: "labelled" }, want: ["labelled", "path_label"] },
    {
      name: "header beats path label",
      req: { headers: { "x-halton-project": "h" }, pathLabel: "p" },
      want: ["h", "header"],
    },
    {
      name: "header normalised",
      req: { headers: { "x-halton-project": "My App" } },
      want: ["my-app", "header"],
    },
    {
      name: "api_key_map for a remote client",
      req: { client: { address: "10.0.0.9", port: 5 }, apiKeySha256: "abcdef12" + "0".repeat(56) },
      want: ["billing", "api_key_map"],
    },
    {
      name: "default for a remote client",
      req: { client: { address: "10.0.0.9", port: 5 } },
      want: ["unattributed", "default"],
    },
  ];
  const attributor = createAttributor({ config, logger: nullLogger });
  for (const c of cases) {
    await t.step(c.name, async () => {
      const a = await attributor.resolve(testRequest(c.req));
      assert.deepEqual([a.project_id, a.attribution_method], c.want);
      assert.equal(a.trail.at(-1)?.resolver, c.want[1]);
    });
  }
});

Deno.test({
  name: "process-based resolvers find a real client from its source port",
  ignore: !linux,
  async fn(t) {
    const errors: string[] = [];
    const logger = createLogger({ write: (line, level) => level === "error" && errors.push(line) });
    const cases: {
      name: string;
      files: Record<string, string>;
      cwd: string;
      env?: Record<string, string>;
      wrapper?: (root: string) => string[];
      want: [string, string];
      corrupt?: boolean;
    }[] = [
      {
        name: "rcfile in a parent folder",
        files: { "proj/.halton-meter.toml": 'project = "rc-proj"\n', "proj/src/": "" },
        cwd: "proj/src",
        env: { HALTON_METER_PROJECT: "env-proj" },
        want: ["rc-proj", "rcfile"],
      },
      {
        name: "env when no rcfile",
        files: { "plain/": "" },
        cwd: "plain",
        env: { HALTON_METER_PROJECT: "env-proj" },
        want: ["env-proj", "env"],
      },
      {
        name: "corrupt rcfile is logged and skipped",
        files: { "bad/.halton-meter.toml": "project = [unclosed\n" },
        cwd: "bad",
        env: { HALTON_METER_PROJECT: "after-bad" },
        want: ["after-bad", "env"],
        corrupt: true,
      },
      {
        name: "IDE label in the parent chain",
        files: { "ws/": "", "bin/": "" },
        cwd: "ws",
        wrapper: (
          root,
        ) => [
          join(root, "bin/code"),
          "-c",
          "{CMD}",
          "code",
          `--folder-uri=file://${root}/My%20Workspace`,
        ],
        want: ["my-workspace", "parent_ide_argv_label"],
      },
      {
        name: "git origin slug",
        files: {
          "repo/.git/config":
            '[core]\n\tbare = false\n[remote "origin"]\n\turl = git@github.com:acme/Payments-API.git\n',
          "repo/pkg/": "",
        },
        cwd: "repo/pkg",
        want: ["payments-api", "git"],
      },
      {
        name: "git root name without origin",
        files: { "Lonely_Repo/.git/config": "[core]\n", "Lonely_Repo/a/": "" },
        cwd: "Lonely_Repo/a",
        want: ["lonely_repo", "git"],
      },
      {
        name: "workdir basename",
        files: { "Just Files/": "" },
        cwd: "Just Files",
        want: ["just-files", "workdir"],
      },
    ];
    for (const c of cases) {
      await t.step(c.name, async () => {
        const root = await tempTree(c.files);
        if (c.wrapper) await Deno.symlink("/bin/sh", join(root, "bin/code"));
        const client = await spawnClient({
          cwd: join(root, c.cwd),
          env: c.env,
          wrapper: c.wrapper?.(root),
        });
        try {
          const before = errors.length;
          const attributor = createAttributor({ config, logger });
          const a = await attributor.resolve(
            testRequest({ client: { address: "127.0.0.1", port: client.port } }),
          );
          assert.deepEqual([a.project_id, a.attribution_method], c.want, JSON.stringify(a.trail));
          assert.equal(a.source_workdir, await Deno.realPath(join(root, c.cwd)));
          assert.ok(a.client_pid !== null && a.client_pid > 0);
          if (!c.wrapper) assert.equal(a.client_pid, client.pid);
          assert.equal(errors.length > before, c.corrupt === true);
          if (c.corrupt) {
            assert.match(errors.at(-1)!, /Cannot parse .*\.halton-meter\.toml/);
            assert.match(a.trail.find((x) => x.resolver === "rcfile")!.detail!, /^Cannot parse/);
          }
        } finally {
          await client.close();
          await Deno.remove(root, { recursive: true });
        }
      });
    }
  },
});

Deno.test({
  name: "the pid cache serves answers until its TTL passes",
  ignore: !linux,
  async fn() {
    const root = await tempTree({ "p/.halton-meter.toml": 'project = "first"\n' });
    const client = await spawnClient({ cwd: join(root, "p") });
    let clock = 1_000_000;
    try {
      const attributor = createAttributor({
        config,
        logger: nullLogger,
        ttlMs: 3000,
        now: () => clock,
      });
      const req = () => testRequest({ client: { address: "127.0.0.1", port: client.port } });
      assert.equal((await attributor.resolve(req())).project_id, "first");
      await Deno.writeTextFile(join(root, "p/.halton-meter.toml"), 'project = "second"\n');
      clock += 2999;
      assert.equal((await attributor.resolve(req())).project_id, "first");
      clock += 2;
      assert.equal((await attributor.resolve(req())).project_id, "second");
    } finally {
      await client.close();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test("a vanished client port falls through to the default", async () => {
  const attributor = createAttributor({ config, logger: nullLogger });
  // Port 1 is never a client's source port.
  const a = await attributor.resolve(testRequest({ client: { address: "127.0.0.1", port: 1 } }));
  assert.equal(a.attribution_method, "default");
  assert.equal(a.client_pid, null);
  assert.match(
    a.trail.find((x) => x.resolver === "rcfile")!.detail!,
    /no process owns local port 1/,
  );
});

Deno.test("explain shows every resolver for a directory", async () => {
  const root = await tempTree({
    "x/.halton-meter.toml": 'project = "xp"\n',
    "x/.git/config": "[core]\n",
  });
  try {
    const a = await explain({ cwd: join(root, "x") }, {
      config,
      inspector: systemInspector(),
      logger: nullLogger,
    });
    assert.deepEqual(a.trail.map((r) => r.resolver), [
      "header",
      "path_label",
      "rcfile",
      "env",
      "parent_ide_argv_label",
      "git",
      "workdir",
      "api_key_map",
      "default",
    ]);
    assert.equal(a.project_id, "xp");
    assert.equal(a.trail.find((r) => r.resolver === "git")!.project, "x");
    assert.equal(a.trail.find((r) => r.resolver === "default")!.project, "unattributed");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "a client found at request time is attributed even after it exits",
  ignore: !linux,
  async fn() {
    const root = await tempTree({ "p/.halton-meter.toml": 'project = "short-lived"\n' });
    const client = await spawnClient({ cwd: join(root, "p"), env: { HALTON_METER_PROJECT: "" } });
    let closed = false;
    try {
      const attributor = createAttributor({ config, logger: nullLogger });
      // Started like the capture does, then the client exits before the result is awaited.
      const pending = attributor.resolve(
        testRequest({ client: { address: "127.0.0.1", port: client.port } }),
      );
      await client.close();
      closed = true;
      const a = await pending;
      assert.equal(a.project_id, "short-lived");
      assert.equal(a.attribution_method, "rcfile");
      assert.equal(a.client_pid, client.pid);
      assert.equal(a.source_workdir, join(root, "p"));
    } finally {
      if (!closed) await client.close();
      await Deno.remove(root, { recursive: true });
    }
  },
});

/** An inspector over fake connections: `conn[port]` is the live socket inode on that port. */
function fakeInspector(
  conn: Map<number, number | null>,
  owners: Map<number, number>,
  cwds: Map<number, string>,
  calls: string[],
): ProcessInspector {
  const sockets: SocketLookup = {
    inodeNow: (port) => {
      calls.push(`inodeNow ${port}`);
      return conn.get(port) ?? null;
    },
    inode: (port) => Promise.resolve(conn.get(port) ?? null),
    quickOwner: (inode) => {
      calls.push(`quickOwner ${inode}`);
      return owners.get(inode) ?? null;
    },
    owner: (inode) => Promise.resolve(owners.get(inode) ?? null),
    pin: (pid) => {
      calls.push(`pin ${pid}`);
      return `${pid}@1`;
    },
  };
  return {
    sockets,
    pidForLocalPort: () => Promise.reject(new Error("connection lookups only")),
    cwd: (pid) => Promise.resolve(cwds.get(pid) ?? null),
    env: () => Promise.resolve(null),
    chain: () => Promise.resolve([]),
  };
}

Deno.test("process lookup is keyed by connection, starts at request time, caches no misses", async (t) => {
  const root = await tempTree({
    "a/.halton-meter.toml": 'project = "alpha"\n',
    "b/.halton-meter.toml": 'project = "beta"\n',
  });
  const conn = new Map<number, number | null>();
  const owners = new Map([[11, 100], [12, 200], [13, 100]]);
  const cwds = new Map([[100, join(root, "a")], [200, join(root, "b")]]);
  const calls: string[] = [];
  const attributor = createAttributor({
    config,
    logger: nullLogger,
    inspector: fakeInspector(conn, owners, cwds, calls),
    now: () => 5_000_000,
  });
  const req = (port: number) => testRequest({ client: { address: "127.0.0.1", port } });
  try {
    await t.step("the lookup runs synchronously inside resolve", async () => {
      conn.set(7000, 11);
      const pending = attributor.resolve(req(7000));
      assert.deepEqual(calls, ["inodeNow 7000", "quickOwner 11", "pin 100"]);
      assert.equal((await pending).project_id, "alpha");
    });
    await t.step("the same connection reuses its owner", async () => {
      calls.length = 0;
      assert.equal((await attributor.resolve(req(7000))).project_id, "alpha");
      assert.deepEqual(calls, ["inodeNow 7000"]);
    });
    await t.step("a new connection on a reused port is looked up again", async () => {
      conn.set(7000, 12);
      const a = await attributor.resolve(req(7000));
      assert.equal(`${a.project_id}:${a.attribution_method}:${a.client_pid}`, "beta:rcfile:200");
    });
    await t.step("a port nobody owns is not remembered", async () => {
      conn.set(7001, null);
      assert.equal((await attributor.resolve(req(7001))).attribution_method, "default");
      conn.set(7001, 13);
      assert.equal((await attributor.resolve(req(7001))).project_id, "alpha");
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
