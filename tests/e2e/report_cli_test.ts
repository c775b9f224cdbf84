/**
 * @module The report, export, prune, project and attribution commands as a user runs them: a real
 * `deno run daemon/main.ts` process against a real seeded SQLite home (no daemon running).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Store } from "../../daemon/store/store.ts";
import { fixtureRows } from "../../daemon/store/reports_testing.ts";
import { spawnClient } from "../../daemon/attribution/testing.ts";

const MAIN = new URL("../../daemon/main.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], opts: { home: string; cwd?: string }): Promise<Run> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, MAIN, ...args],
    cwd: opts.cwd ?? opts.home,
    env: { HALTON_METER_HOME: opts.home, NO_COLOR: "1", HALTON_METER_PROJECT: "" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

async function seededHome(): Promise<
  { home: string; rows: ReturnType<typeof fixtureRows>["rows"] }
> {
  const home = await Deno.makeTempDir({ prefix: "hm-cli-" });
  const store = Store.open(join(home, "db.sqlite"));
  const f = fixtureRows();
  store.insertBatch(f.rows, f.bodies);
  store.close();
  return { home, rows: f.rows };
}

/** Minimal RFC 4180 parser for checking our own output. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], field = "", q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') (field += '"', i++);
      else if (ch === '"') q = false;
      else field += ch;
    } else if (ch === '"') q = true;
    else if (ch === ",") (row.push(field), field = "");
    else if (ch === "\r" && text[i + 1] === "\n") {
      (row.push(field), rows.push(row), row = [], field = "", i++);
    } else field += ch;
  }
  return rows;
}

Deno.test("bad input: one line, exit 1", async (t) => {
  const { home } = await seededHome();
  const corrupt = join(home, "corrupt");
  await Deno.mkdir(corrupt);
  await Deno.writeTextFile(join(corrupt, ".halton-meter.toml"), "project = = 1\n");
  try {
    const cases: [string, string[], RegExp, string?][] = [
      [
        "unknown --by",
        ["report", "--by", "nope"],
        /Unknown --by "nope": use one of project, model/,
      ],
      [
        "unparseable --since",
        ["report", "--since", "last week"],
        /Cannot parse --since "last week"/,
      ],
      [
        "unparseable --until",
        ["report", "--until", "2026-13-01"],
        /Cannot parse --until "2026-13-01"/,
      ],
      [
        "since later than until",
        ["report", "--since", "2026-11-10", "--until", "2026-11-01"],
        /--since 2026-11-10 .*is later than --until 2026-11-01/,
      ],
      ["unknown report format", ["report", "--format", "xml"], /Unknown --format "xml"/],
      [
        "unknown export format",
        ["export", "--format", "xml"],
        /Unknown --format "xml": use csv or jsonl/,
      ],
      [
        "export bad since",
        ["export", "--format", "csv", "--since", "soon"],
        /Cannot parse --since "soon"/,
      ],
      ["prune without a cutoff", ["prune"], /Give exactly one of --older-than/],
      [
        "prune bad age",
        ["prune", "--older-than", "2026-01-01"],
        /Cannot parse --older-than "2026-01-01"/,
      ],
      [
        "project set bad slug",
        ["project", "set", "not a slug"],
        /Invalid project slug "not a slug"/,
      ],
      [
        "explain corrupt rcfile",
        ["attribution", "explain", "--cwd", corrupt],
        /Cannot parse .*corrupt\/\.halton-meter\.toml/,
      ],
      [
        "project set over corrupt rcfile",
        ["project", "set", "fine"],
        /Cannot parse .*\.halton-meter\.toml.*fix or delete it/,
        corrupt,
      ],
    ];
    for (const [name, args, re, cwd] of cases) {
      await t.step(name, async () => {
        const r = await cli(args, { home, cwd });
        assert.equal(r.code, 1, r.stderr);
        const lines = r.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0], re);
        assert.equal(r.stdout, "");
      });
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("report, export and prune on a seeded store", async (t) => {
  const { home, rows } = await seededHome();
  const nov = rows.filter((r) => r.timestamp.startsWith("2026-11"));
  try {
    await t.step("report json totals", async () => {
      const r = await cli([
        "report",
        "--since",
        "2026-11-01",
        "--until",
        "2026-12-01",
        "--format",
        "json",
      ], { home });
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.by, "project");
      assert.equal(doc.total.requests, nov.length);
      assert.equal(
        doc.total.cost_usd_millicents,
        nov.reduce((a, x) => a + (x.cost_usd_millicents ?? 0), 0),
      );
      assert.equal(doc.total.unpriced, 1);
      assert.equal(doc.total.missing_usage, 2);
      assert.equal(
        doc.rows.find((x: { key: string }) => x.key === "unattributed").cost_usd_millicents,
        null,
      );
    });
    await t.step(
      "report table has aligned columns, a totals row and no colour off a TTY",
      async () => {
        const r = await cli(["report", "--since", "2026-11-01", "--by", "provider"], { home });
        assert.equal(r.code, 0, r.stderr);
        assert.ok(!r.stdout.includes("\x1b["));
        const lines = r.stdout.split("\n").filter((l) =>
          /^(openai|anthropic|gemini|TOTAL)\s/.test(l)
        );
        assert.equal(lines.length, 4);
        assert.equal(new Set(lines.map((l) => l.length)).size, 1, "rows have equal width");
        assert.match(lines[3], /^TOTAL\s+8\s+1\s+2\s/);
        assert.match(r.stdout, /1 unpriced and 2 with missing usage are not counted as \$0/);
      },
    );
    await t.step("report csv", async () => {
      const r = await cli(["report", "--since", "2026-11-01", "--by", "day", "--format", "csv"], {
        home,
      });
      const t2 = parseCsv(r.stdout);
      assert.equal(t2[0][0], "day");
      assert.deepEqual(t2.slice(1).map((x) => x[0]), [
        "2026-11-08",
        "2026-11-09",
        "2026-11-10",
        "total",
      ]);
    });
    await t.step("export csv round-trips quoted fields", async () => {
      const r = await cli(["export", "--format", "csv", "--since", "2026-11-01"], { home });
      assert.equal(r.code, 0, r.stderr);
      const table = parseCsv(r.stdout);
      assert.equal(table.length, nov.length + 1);
      const col = table[0].indexOf("attribution_trail");
      const id = table[0].indexOf("request_id");
      const first = table.find((x) => x[id] === nov[0].request_id)!;
      assert.equal(first[col], nov[0].attribution_trail);
    });
    await t.step("export jsonl", async () => {
      const r = await cli(["export", "--format", "jsonl"], { home });
      const lines = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
      assert.equal(lines.length, rows.length);
      assert.equal(lines[0].timestamp, "2026-10-01T00:00:00.000Z");
    });
    await t.step("prune prints a plan and deletes only with --yes", async () => {
      const dry = await cli(["prune", "--before", "2026-11-01"], { home });
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /Would delete 1 rows before 2026-11-01T00:00:00.000Z/);
      assert.match(dry.stdout, /Nothing deleted/);
      const again = await cli(["report", "--since", "2026-01-01", "--format", "json"], { home });
      assert.equal(JSON.parse(again.stdout).total.requests, rows.length);
      const yes = await cli(["prune", "--before", "2026-11-01", "--yes"], { home });
      assert.match(yes.stdout, /Deleted 1 rows, 0 bodies and 1 outbox entries/);
      const after = await cli(["report", "--since", "2026-01-01", "--format", "json"], { home });
      assert.equal(JSON.parse(after.stdout).total.requests, rows.length - 1);
    });
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("project set then attribution explain", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-cli-" });
  try {
    const dir = join(home, "My Service");
    await Deno.mkdir(join(dir, "sub"), { recursive: true });
    const set = await cli(["project", "set", "svc-x"], { home, cwd: dir });
    assert.equal(set.code, 0, set.stderr);
    assert.match(await Deno.readTextFile(join(dir, ".halton-meter.toml")), /project = "svc-x"/);
    const ex = await cli(["attribution", "explain", "--cwd", join(dir, "sub"), "--json"], { home });
    assert.equal(ex.code, 0, ex.stderr);
    const a = JSON.parse(ex.stdout);
    assert.equal(a.project_id, "svc-x");
    assert.equal(a.attribution_method, "rcfile");
    assert.equal(
      a.trail.find((x: { resolver: string }) => x.resolver === "workdir").project,
      "sub",
    );
    const table = await cli(["attribution", "explain"], { home, cwd: join(dir, "sub") });
    assert.match(table.stdout, /Winner: svc-x \(rcfile\)/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("report without a database prints an empty report", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-cli-" });
  try {
    const r = await cli(["report", "--format", "json"], { home });
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.rows, []);
    assert.equal(doc.total.requests, 0);
    assert.equal(doc.total.cost_usd_millicents, null);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("prune on a paired store keeps rows the cloud has not received", async () => {
  const { home, rows } = await seededHome();
  try {
    const store = Store.open(join(home, "db.sqlite"));
    store.db.prepare(
      "INSERT INTO cloud_state (id, api_key_ciphertext, base_url, workspace_id, machine_id, hostname, paired_at, updated_at) VALUES (1, 'x', 'https://x', 'w', 'm', 'h', 'now', 'now')",
    ).run();
    store.close();
    const dry = await cli(["prune", "--before", "2026-12-01"], { home });
    assert.match(dry.stdout, new RegExp(`Would delete ${rows.length} rows`));
    assert.match(
      dry.stdout,
      new RegExp(`Warning: ${rows.length} rows not yet synced to the cloud will be kept`),
    );
    const yes = await cli(["prune", "--before", "2026-12-01", "--yes"], { home });
    assert.match(yes.stdout, new RegExp(`Deleted 0 rows.*kept ${rows.length} unsynced rows`));
    const all = await cli(["prune", "--before", "2026-12-01", "--yes", "--include-unsynced"], {
      home,
    });
    assert.match(
      all.stdout,
      new RegExp(`Deleted ${rows.length} rows, 2 bodies and ${rows.length} outbox entries`),
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test({
  name: "attribution explain --pid reads a running process",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "hm-cli-" });
    const client = await spawnClient({ cwd: home, env: { HALTON_METER_PROJECT: "pid-env" } });
    try {
      const r = await cli(["attribution", "explain", "--pid", String(client.pid), "--json"], {
        home,
      });
      assert.equal(r.code, 0, r.stderr);
      const a = JSON.parse(r.stdout);
      assert.equal(a.project_id, "pid-env");
      assert.equal(a.attribution_method, "env");
      assert.equal(a.client_pid, client.pid);
      assert.equal(a.source_workdir, await Deno.realPath(home));
      const bad = await cli(["attribution", "explain", "--pid", "0"], { home });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /Invalid --pid "0"/);
    } finally {
      await client.close();
      await Deno.remove(home, { recursive: true });
    }
  },
});
