/**
 * @module End-to-end: the daemon's life cycle through the CLI (start in the background → status
 * → stop, `start --foreground` until SIGTERM), stale pid files, exit codes and bad input.
 */
import assert from "node:assert/strict";
import { isAlive } from "../../daemon/process/runtime.ts";
import { cliArgv, initWithFreePorts, runCli, tempHome } from "./cli_helpers.ts";

const NOT_RUNNING = "daemon not running, start it with `halton-meter start`";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("start, status, stop in the background", async (t) => {
  const home = await tempHome();
  try {
    await initWithFreePorts(home.dir);
    const p = home.paths;

    await t.step("status and stop exit 2 before start", async () => {
      for (const args of [["status"], ["stop"]]) {
        const r = await runCli(home.dir, args);
        assert.equal(r.code, 2, args.join(" "));
        assert.equal(r.stderr.trim(), `halton-meter: ${NOT_RUNNING}`);
      }
      const j = await runCli(home.dir, ["status", "--json"]);
      assert.equal(j.code, 2);
      assert.equal(JSON.parse(j.stdout).running, false);
    });

    let pid = 0;
    await t.step("start returns once the daemon listens", async () => {
      const r = await runCli(home.dir, ["start"]);
      assert.equal(r.code, 0, r.stderr);
      const m = /started \(pid (\d+)\)/.exec(r.stdout);
      assert.ok(m, r.stdout);
      pid = Number(m[1]);
      assert.ok(isAlive(pid));
      assert.equal((await Deno.readTextFile(p.pid)).trim(), String(pid));
      const rt = JSON.parse(await Deno.readTextFile(p.runtime));
      assert.equal(rt.pid, pid);
      assert.ok(rt.proxy.port > 0 && rt.dashboard.port > 0);
      // The proxy really listens where daemon.json says.
      const conn = await Deno.connect({ hostname: rt.proxy.hostname, port: rt.proxy.port });
      conn.close();
    });

    await t.step("status --json reports the running daemon", async () => {
      // Even from a shell whose HTTP_PROXY has no NO_PROXY next to it.
      const r = await runCli(home.dir, ["status", "--json"], {
        HTTP_PROXY: "http://127.0.0.1:9",
        HTTPS_PROXY: "http://127.0.0.1:9",
        NO_PROXY: "",
        no_proxy: "",
      });
      assert.equal(r.code, 0, r.stderr);
      const st = JSON.parse(r.stdout);
      assert.equal(st.running, true);
      assert.equal(st.pid, pid);
      assert.equal(st.rows_today, 0);
      assert.equal(st.cloud.state, "NOT-CONFIGURED");
      assert.ok(st.uptime_seconds >= 0);
      const rt = JSON.parse(await Deno.readTextFile(p.runtime));
      assert.deepEqual({ hostname: st.proxy.hostname, port: st.proxy.port }, rt.proxy);
      const human = await runCli(home.dir, ["status"]);
      assert.equal(human.code, 0);
      assert.match(human.stdout, new RegExp(`running \\(pid ${pid}`));
      assert.match(human.stdout, /cloud\s+NOT-CONFIGURED/);
    });

    await t.step("a second start refuses with exit 1", async () => {
      const r = await runCli(home.dir, ["start"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`already running \\(pid ${pid}\\)`));
    });

    await t.step("env uses the running daemon's actual port", async () => {
      const rt = JSON.parse(await Deno.readTextFile(p.runtime));
      const r = await runCli(home.dir, ["env", "--shell", "bash"]);
      assert.ok(
        r.stdout.includes(`export HTTPS_PROXY='http://127.0.0.1:${rt.proxy.port}'`),
        r.stdout,
      );
    });

    await t.step("stop ends the process and removes its files", async () => {
      const r = await runCli(home.dir, ["stop"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(isAlive(pid), false);
      assert.equal(await exists(p.pid), false);
      assert.equal(await exists(p.runtime), false);
      const s = await runCli(home.dir, ["status"]);
      assert.equal(s.code, 2);
    });

    await t.step("logs are JSON lines", async () => {
      const lines = (await Deno.readTextFile(p.log)).trim().split("\n");
      assert.ok(lines.length >= 2);
      for (const l of lines) assert.equal(typeof JSON.parse(l).msg, "string");
      assert.ok(lines.some((l) => JSON.parse(l).msg === "daemon stopped"));
    });
  } finally {
    await home.cleanup();
  }
});

Deno.test("a stale pid file does not confuse status or start", async () => {
  const home = await tempHome();
  try {
    await initWithFreePorts(home.dir);
    const dead = new Deno.Command("true").spawn();
    await dead.status;
    await Deno.writeTextFile(home.paths.pid, `${dead.pid}\n`);
    await Deno.writeTextFile(home.paths.runtime, JSON.stringify({ pid: dead.pid }));
    const s = await runCli(home.dir, ["status"]);
    assert.equal(s.code, 2);
    assert.match(s.stderr, /daemon not running/);
    assert.equal(await exists(home.paths.pid), false);
    await Deno.writeTextFile(home.paths.pid, `${dead.pid}\n`);
    const r = await runCli(home.dir, ["start"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await runCli(home.dir, ["stop"])).code, 0);
  } finally {
    await home.cleanup();
  }
});

Deno.test("a pid file naming some other live process is stale too, and that process is left alone", async () => {
  const home = await tempHome();
  const other = new Deno.Command("sleep", { args: ["60"] }).spawn();
  try {
    await initWithFreePorts(home.dir);
    await Deno.writeTextFile(home.paths.pid, `${other.pid}\n`);
    const s = await runCli(home.dir, ["status"]);
    assert.equal(s.code, 2);
    const stop = await runCli(home.dir, ["stop"]);
    assert.equal(stop.code, 2);
    assert.ok(isAlive(other.pid), "stop must not signal a process that is not the daemon");
    await Deno.writeTextFile(home.paths.pid, `${other.pid}\n`);
    const r = await runCli(home.dir, ["start"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await runCli(home.dir, ["stop"])).code, 0);
    assert.ok(isAlive(other.pid));
  } finally {
    other.kill("SIGKILL");
    await other.status;
    await home.cleanup();
  }
});

Deno.test("start --foreground runs until SIGTERM and closes cleanly", async () => {
  const home = await tempHome();
  try {
    await initWithFreePorts(home.dir);
    // A shell that already ran `eval "$(halton-meter env)"` points HTTPS_PROXY at the daemon's
    // own port: the daemon must drop it rather than loop through itself.
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = probe.addr.port;
    probe.close();
    const child = new Deno.Command(Deno.execPath(), {
      args: cliArgv(["start", "--foreground", "--port", String(port)]),
      env: { HALTON_METER_HOME: home.dir, HTTPS_PROXY: `http://127.0.0.1:${port}` },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let rt: { pid: number } | null = null;
    for (let i = 0; i < 600 && !rt; i++) {
      try {
        rt = JSON.parse(await Deno.readTextFile(home.paths.runtime));
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    assert.ok(rt, "daemon.json never appeared");
    assert.equal(rt.pid, child.pid);
    const st = await runCli(home.dir, ["status", "--json"]);
    assert.equal(JSON.parse(st.stdout).pid, child.pid);
    child.kill("SIGTERM");
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const log = new TextDecoder().decode(out.stdout);
    assert.match(log, /"msg":"daemon stopped"/);
    assert.match(log, /ignoring proxy variables that point at this daemon.*"HTTPS_PROXY"/);
    assert.equal(await exists(home.paths.pid), false);
    assert.equal(await exists(home.paths.runtime), false);
  } finally {
    await home.cleanup();
  }
});

Deno.test("bad input exits 1 with one line", async (t) => {
  const home = await tempHome();
  try {
    await initWithFreePorts(home.dir);
    const cases: [string, string[], RegExp][] = [
      ["start --port abc", ["start", "--port", "abc"], /Invalid --port "abc"/],
      ["start --port 70000", ["start", "--port", "70000"], /Invalid --port "70000"/],
      [
        "requests --since yesterday",
        ["requests", "--since", "yesterday"],
        /Invalid --since "yesterday"/,
      ],
      ["requests --since 2026-13-45", ["requests", "--since", "2026-13-45"], /Invalid --since/],
      ["requests --limit 0", ["requests", "--limit", "0"], /Invalid --limit "0"/],
      ["requests --limit x", ["requests", "--limit", "x"], /Invalid --limit "x"/],
      ["env --shell tcsh", ["env", "--shell", "tcsh"], /Unknown shell "tcsh"/],
      ["unknown command", ["frobnicate"], /unknown command 'frobnicate'/],
    ];
    for (const [name, args, re] of cases) {
      await t.step(name, async () => {
        const r = await runCli(home.dir, args);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, re);
        assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      });
    }
    await t.step("a broken config.toml stops start with exit 1", async () => {
      const cfg = await Deno.readTextFile(home.paths.config);
      await Deno.writeTextFile(home.paths.config, cfg.replace(/^port = 0$/m, "port = 99999"));
      const r = await runCli(home.dir, ["start"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^halton-meter: Cannot parse config\.toml: \[proxy\]\.port/);
      assert.equal(r.stderr.trim().split("\n").length, 1);
      assert.equal(await exists(home.paths.pid), false);
      await Deno.writeTextFile(home.paths.config, cfg);
    });
    await t.step("a taken proxy port fails start with the cause", async () => {
      const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      try {
        const r = await runCli(home.dir, ["start", "--port", String(taken.addr.port)]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /Cannot start the daemon/);
        assert.equal(await exists(home.paths.pid), false);
      } finally {
        taken.close();
      }
    });
  } finally {
    await home.cleanup();
  }
});
