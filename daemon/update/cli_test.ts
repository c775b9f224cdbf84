/**
 * @module `halton-meter update` end to end: the CLI runs as a child process (`deno run` with the
 * binary's permission flags) against a loopback fake release feed, table-driven: `--check` up to
 * date / newer / `--json`, a successful replace of a temp "binary" via the hidden
 * `--target-path` (content and mode 0755), checksum mismatch (file untouched), missing platform
 * asset, 404 feed, malformed JSON, refusal under `deno run`, and a running daemon (told to
 * restart; restarted with the new binary under `--restart`).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { VERSION } from "../version.ts";
import { assetName, platformTarget } from "./release.ts";
import { type FakeFeedState, startFakeFeed } from "./test_util.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const FLAGS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run",
  "--allow-sys",
];
const NAME = assetName(platformTarget(Deno.build.os, Deno.build.arch) ?? "unsupported");
const NEW_BINARY = new TextEncoder().encode("#!/bin/sh\necho new halton-meter\n");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string>): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...FLAGS, MAIN, "update", ...args],
    env: { NO_PROXY: "127.0.0.1,localhost", NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function state(over: Partial<FakeFeedState> = {}, sums?: string): FakeFeedState {
  return {
    releases: [
      { tag: "v99.0.0", binaries: { [NAME]: NEW_BINARY }, sums },
      { tag: `v${VERSION}`, binaries: { [NAME]: NEW_BINARY } },
    ],
    latest: "v99.0.0",
    ...over,
  };
}

interface Case {
  name: string;
  feed: FakeFeedState;
  args: string[];
  /** Pass `--target-path <temp binary>`. */
  target?: boolean;
  code: number;
  stdout?: RegExp;
  /** One stderr line matching this. */
  stderr?: RegExp;
  /** Expected binary content afterwards: "new" (replaced, 0755) or "old" (untouched). */
  binary?: "new" | "old";
  /** Expected number of feed requests (e.g. 0: refused before any network call). */
  hits?: number;
}

const CASES: Case[] = [
  {
    name: "--check: up to date",
    feed: state({ latest: `v${VERSION}` }),
    args: ["--check"],
    code: 0,
    stdout: new RegExp(
      `^halton-meter v${VERSION} is up to date \\(latest stable release: v${VERSION}\\)\\n$`,
    ),
  },
  {
    name: "--check: newer available",
    feed: state(),
    args: ["--check"],
    code: 0,
    stdout: new RegExp(`^update available: v${VERSION} → v99\\.0\\.0\\n$`),
  },
  {
    name: "install: replaces the target with the verified binary",
    feed: state(),
    args: ["--yes"],
    target: true,
    code: 0,
    stdout: /update available: .*\nUpdated .*halton-meter to v99\.0\.0 \(was v/,
    binary: "new",
  },
  {
    name: "install: up to date leaves the binary alone",
    feed: state({ latest: `v${VERSION}` }),
    args: ["--yes"],
    target: true,
    code: 0,
    stdout: /is up to date/,
    binary: "old",
  },
  {
    name: "install: checksum mismatch",
    feed: state({}, `${"0".repeat(64)}  ${NAME}\n`),
    args: ["--yes"],
    target: true,
    code: 1,
    stderr: new RegExp(`^halton-meter: Checksum mismatch for ${NAME}: .*nothing was replaced$`),
    binary: "old",
  },
  {
    name: "install: missing platform asset",
    feed: state({ releases: [{ tag: "v99.0.0", binaries: { "halton-meter-other": NEW_BINARY } }] }),
    args: ["--yes"],
    target: true,
    code: 1,
    stderr: new RegExp(`^halton-meter: Release v99\\.0\\.0 has no binary for `),
    binary: "old",
  },
  {
    name: "404 feed",
    feed: state({ latest: null }),
    args: ["--check"],
    code: 1,
    stderr:
      /^halton-meter: Cannot check for updates: http:\/\/127\.0\.0\.1:\d+\/releases\/latest answered 404 Not Found$/,
  },
  {
    name: "malformed JSON",
    feed: state({ rawFeed: '{"tag_name": "v9' }),
    args: ["--yes"],
    target: true,
    code: 1,
    stderr: /^halton-meter: Cannot check for updates: .* did not answer JSON$/,
    binary: "old",
  },
  {
    name: "unknown --to version",
    feed: state(),
    args: ["--yes", "--to", "5.5.5"],
    target: true,
    code: 1,
    stderr: /^halton-meter: Cannot find release v5\.5\.5: .*answered 404/,
    binary: "old",
  },
  {
    name: "refused under deno run without --target-path, before any network call",
    feed: state(),
    args: ["--yes"],
    code: 1,
    stderr: /^halton-meter: Cannot update: this is running under `deno run` .*`git pull`/,
    hits: 0,
  },
];

Deno.test("halton-meter update as a child process", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "hm-update-cli-" });
  const feed = startFakeFeed(state());
  const target = `${dir}/halton-meter`;
  try {
    for (const c of CASES) {
      await t.step(c.name, async () => {
        Object.assign(feed.state, { rawFeed: undefined }, c.feed);
        feed.hits.length = 0;
        await Deno.writeTextFile(target, "old", { mode: 0o644 });
        await Deno.chmod(target, 0o644);
        const run = await cli([...c.args, ...(c.target ? ["--target-path", target] : [])], {
          HALTON_METER_HOME: `${dir}/home`,
          HALTON_METER_UPDATE_URL: feed.base,
        });
        const why = `stdout: ${run.stdout}\nstderr: ${run.stderr}`;
        assert.equal(run.code, c.code, why);
        if (c.stdout) assert.match(run.stdout, c.stdout, why);
        if (c.stderr) {
          assert.match(run.stderr.trimEnd(), c.stderr, why);
          assert.equal(run.stderr.trimEnd().split("\n").length, 1, why);
        } else {
          assert.equal(run.stderr, "", why);
        }
        if (c.binary === "new") {
          assert.deepEqual(await Deno.readFile(target), NEW_BINARY);
          assert.equal((await Deno.stat(target)).mode! & 0o777, 0o755);
        } else if (c.binary === "old") {
          assert.equal(await Deno.readTextFile(target), "old");
          assert.equal((await Deno.stat(target)).mode! & 0o777, 0o644);
        }
        if (c.hits !== undefined) assert.equal(feed.hits.length, c.hits);
        const temps = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".tmp"));
        assert.deepEqual(temps, []);
      });
    }
    await t.step("--check --json", async () => {
      Object.assign(feed.state, state(), { rawFeed: undefined });
      const run = await cli(["--check", "--json"], { HALTON_METER_UPDATE_URL: feed.base });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), {
        current: `v${VERSION}`,
        latest: "v99.0.0",
        channel: "stable",
        update_available: true,
        pinned: false,
      });
    });
  } finally {
    await feed.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("update with a running daemon: says to restart, or restarts with --restart", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "hm-update-daemon-" });
  const home = `${dir}/home`;
  await Deno.mkdir(home);
  const calls = `${dir}/calls.log`;
  // The "new binary" records how it is invoked, so the restart can be observed without a daemon.
  const script = new TextEncoder().encode(`#!/bin/sh\necho "$@" >> '${calls}'\n`);
  const feed = startFakeFeed({
    releases: [{ tag: "v99.0.0", binaries: { [NAME]: script } }],
    latest: "v99.0.0",
  });
  // A stand-in daemon: a live process whose command line reads like `… start --foreground`.
  const daemon = new Deno.Command("/bin/sh", {
    args: ["-c", "read line", "start", "--foreground"],
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  await Deno.writeTextFile(`${home}/daemon.pid`, `${daemon.pid}\n`);
  const target = `${dir}/halton-meter`;
  const env = { HALTON_METER_HOME: home, HALTON_METER_UPDATE_URL: feed.base };
  try {
    await t.step("without --restart: told to restart, never killed", async () => {
      await Deno.writeTextFile(target, "old");
      const run = await cli(["--yes", "--target-path", target], env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        new RegExp(`The daemon \\(pid ${daemon.pid}\\) still runs v${VERSION}: restart it with`),
      );
      assert.deepEqual(await Deno.readFile(target), script);
      Deno.kill(daemon.pid, "SIGCONT"); // throws if the process is gone
      await assert.rejects(() => Deno.stat(calls));
    });
    await t.step("with --restart: the new binary runs stop then start", async () => {
      await Deno.writeTextFile(target, "old");
      const run = await cli(["--yes", "--restart", "--target-path", target], env);
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        new RegExp(`Restarting the daemon \\(pid ${daemon.pid}\\) on v99\\.0\\.0`),
      );
      assert.equal(await Deno.readTextFile(calls), "stop\nstart\n");
    });
  } finally {
    await daemon.stdin.close();
    await daemon.status;
    await feed.close();
    await Deno.remove(dir, { recursive: true });
  }
});
