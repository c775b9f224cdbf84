/**
 * @module Small parts of attribution: argv labels, git remotes, rcfiles, /proc/net/tcp parsing,
 * netlink socket lookups.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { originFromConfig, slugFromRemote } from "./git.ts";
import { ideLabelFromArgv } from "./ide.ts";
import { pidFromLsof } from "./process_darwin.ts";
import { parseProcNetTcp } from "./process_linux.ts";
import { findRcFile, parseRcFile, writeRcFile } from "./rcfile.ts";
import { openSockDiag, parseAddress } from "./sock_diag.ts";

Deno.test("IDE and agent argv labels", async (t) => {
  const cases: [string, string[], string | null][] = [
    [
      "vscode folder uri",
      ["/usr/share/code/code", "--folder-uri", "file:///home/me/Shop%20Front"],
      "vscode:shop-front",
    ],
    ["vscode positional", ["/usr/bin/code", "/home/me/api/"], "vscode:api"],
    ["vscode helper has no folder", ["/usr/share/code/code", "--type=ptyHost", "/x/y"], null],
    [
      "cursor workspace file",
      ["/opt/cursor/cursor", "/home/me/mono.code-workspace"],
      "cursor:mono",
    ],
    [
      "jetbrains launcher",
      ["/opt/idea/bin/idea.sh", "/home/me/kotlin-svc"],
      "jetbrains:kotlin-svc",
    ],
    ["jetbrains java main", [
      "java",
      "-Xmx2g",
      "-cp",
      "/opt/idea/lib/a.jar",
      "com.intellij.idea.Main",
      "/src/billing",
    ], "jetbrains:billing"],
    ["zed", ["/usr/bin/zed", "/home/me/notes"], "zed:notes"],
    ["claude code add-dir", [
      "node",
      "/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js",
      "--add-dir",
      "/w/agent-x",
    ], "claude-code:agent-x"],
    ["codex --cd", ["codex", "--cd", "/w/tools"], "codex:tools"],
    ["aider without label", ["aider", "--model", "gpt-5"], null],
    ["unrelated editor on a folder named code", ["vim", "/home/me/code"], null],
  ];
  for (const [name, argv, want] of cases) {
    await t.step(name, () => {
      const got = ideLabelFromArgv(argv);
      assert.equal(got ? `${got.tool}:${got.label}` : null, want);
    });
  }
});

Deno.test("git remote slugs", async (t) => {
  const cases: [string, string | null][] = [
    ["git@github.com:acme/api.git", "api"],
    ["https://github.com/acme/Web-App", "web-app"],
    ["ssh://git@host:22/team/sub/repo.git/", "repo"],
    ["/srv/git/local-repo.git", "local-repo"],
    ["", null],
  ];
  for (const [url, want] of cases) {
    await t.step(url || "(empty)", () => assert.equal(slugFromRemote(url), want));
  }
  await t.step("origin among remotes", () => {
    const cfg =
      '[remote "upstream"]\n\turl = git@x:a/up.git\n[remote "origin"]\n\tfetch = +refs\n\turl = git@x:a/mine.git\n';
    assert.equal(originFromConfig(cfg), "git@x:a/mine.git");
  });
});

Deno.test("rcfile parse, find and write", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "hm-rc-" });
  try {
    const cases: [string, string, string | null][] = [
      ["valid", 'project = "svc-a"', null],
      ["not toml", "project = ", "Cannot parse"],
      ["missing key", 'name = "x"', "project must be a string"],
      ["bad slug", 'project = "has space"', "is not a valid slug"],
    ];
    for (const [name, text, wantErr] of cases) {
      await t.step(name, () => {
        const r = parseRcFile("/x/.halton-meter.toml", text);
        if (wantErr === null) assert.ok(r.ok && r.value.project === "svc-a");
        else {
          assert.ok(!r.ok);
          assert.ok(r.error.includes(wantErr), r.error);
          assert.ok(!r.error.includes("\n"));
        }
      });
    }
    await t.step("write then find from a subfolder, keeping other keys", async () => {
      await Deno.writeTextFile(
        join(root, ".halton-meter.toml"),
        'note = "keep"\nproject = "old"\n',
      );
      const w = writeRcFile(root, "new-one");
      assert.ok(w.ok);
      await Deno.mkdir(join(root, "a/b"), { recursive: true });
      const f = findRcFile(join(root, "a/b"));
      assert.ok(f.ok && f.value?.project === "new-one");
      assert.match(await Deno.readTextFile(join(root, ".halton-meter.toml")), /note = "keep"/);
    });
    await t.step("write rejects a bad slug", () => {
      const w = writeRcFile(root, "no/slashes");
      assert.ok(!w.ok && /Invalid project slug/.test(w.error));
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("socket tables", async (t) => {
  await t.step("/proc/net/tcp", () => {
    const text =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
      "   0: 0100007F:D431 0100007F:1F9A 01 00000000:00000000 00:00000000 00000000  1000        0 98765 1 0 20 4 30 10 -1\n";
    assert.deepEqual(parseProcNetTcp(text), [{
      localPort: 0xd431,
      remotePort: 8090,
      state: 1,
      inode: 98765,
    }]);
  });
  await t.step("lsof -Fpn", () => {
    const text = "p100\nn127.0.0.1:8090->127.0.0.1:54000\np200\nn127.0.0.1:54000->127.0.0.1:8090\n";
    assert.equal(pidFromLsof(text, 54000), 200);
    assert.equal(pidFromLsof(text, 1), null);
  });
});

Deno.test("address literals for netlink", async (t) => {
  const cases: [string, number | null, number[]][] = [
    ["127.0.0.1", 2, [127, 0, 0, 1]],
    ["::ffff:127.0.0.1", 2, [127, 0, 0, 1]],
    ["::1", 10, [...Array(15).fill(0), 1]],
    ["[fe80::1:2]", 10, [0xfe, 0x80, ...Array(10).fill(0), 0, 1, 0, 2]],
    ["localhost", null, []],
    ["1::2::3", null, []],
    ["256.0.0.1", null, []],
  ];
  for (const [text, family, head] of cases) {
    await t.step(text, () => {
      const r = parseAddress(text);
      if (family === null) return assert.equal(r, null);
      assert.equal(r![0], family);
      assert.deepEqual([...r![1].subarray(0, head.length)], head);
    });
  }
});

Deno.test({
  name: "netlink finds a connection's socket inode by its exact 4-tuple",
  ignore: Deno.build.os !== "linux",
  async fn(t) {
    const diag = openSockDiag();
    assert.ok(diag, "netlink sock_diag opens on Linux");
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const lp = (listener.addr as Deno.NetAddr).port;
    const client = await Deno.connect({ hostname: "127.0.0.1", port: lp });
    const server = await listener.accept();
    const cp = (client.localAddr as Deno.NetAddr).port;
    const links = () =>
      [...Deno.readDirSync("/proc/self/fd")].map((f) => {
        try {
          return Deno.readLinkSync(`/proc/self/fd/${f.name}`);
        } catch {
          return "";
        }
      });
    try {
      await t.step("the client end", () => {
        const ino = diag.inode({ address: "127.0.0.1", port: cp }, {
          address: "127.0.0.1",
          port: lp,
        });
        assert.ok(ino !== null && links().includes(`socket:[${ino}]`));
      });
      await t.step("the same port towards another peer is not it", () => {
        const ino = diag.inode({ address: "127.0.0.1", port: cp }, {
          address: "127.0.0.1",
          port: lp === 65535 ? 1 : lp + 1,
        });
        assert.equal(ino, null);
      });
      await t.step("listeners include ours", () => {
        const l = diag.listeners().find((x) => x.port === lp);
        assert.ok(l && l.address === "127.0.0.1" && links().includes(`socket:[${l.inode}]`));
      });
      await t.step("a closed connection is gone", () => {
        client.close();
        server.close();
        const ino = diag.inode({ address: "127.0.0.1", port: cp }, {
          address: "127.0.0.1",
          port: lp,
        });
        assert.equal(ino, null);
      });
    } finally {
      try {
        client.close();
      } catch { /* closed */ }
      try {
        server.close();
      } catch { /* closed */ }
      listener.close();
      diag.close();
    }
  },
});
