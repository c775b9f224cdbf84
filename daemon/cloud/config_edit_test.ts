/** @module Tests for the config.toml editor: edits only the keys it sets, keeps everything else. */
import assert from "node:assert/strict";
import { editToml, type TomlEdit } from "./config_edit.ts";
import { DEFAULT_CONFIG_TOML, parseConfig } from "../config.ts";
import { parse } from "smol-toml";

const BASE = `# top comment
[proxy]
port = 8091 # my port

[cloud]
# Sync a copy.
enabled = false   # trailing note
intercept = [
  "a", # inside array
  "[not.a.header]",
]

[cloud.privacy]
preset = "standard"

# tail comment
`;

interface Case {
  name: string;
  text: string;
  edits: TomlEdit[];
  /** Lines that must be present, verbatim, afterwards. */
  keep: string[];
  /** Lines that must be present afterwards. */
  want: string[];
  /** Values at paths afterwards. */
  values: [string[], unknown][];
}

const CASES: Case[] = [
  {
    name: "replaces a value and keeps its trailing comment",
    text: BASE,
    edits: [{ table: ["cloud"], key: "enabled", value: true }],
    keep: [
      "# top comment",
      "port = 8091 # my port",
      "# Sync a copy.",
      "# tail comment",
      '  "a", # inside array',
    ],
    want: ["enabled = true # trailing note"],
    values: [[["cloud", "enabled"], true], [["proxy", "port"], 8091]],
  },
  {
    name: "adds a missing key after the table's last key, not inside a multi-line array",
    text: BASE,
    edits: [{ table: ["cloud"], key: "base_url", value: "http://127.0.0.1:9/x" }],
    keep: ['  "[not.a.header]",', "]"],
    want: ['base_url = "http://127.0.0.1:9/x"'],
    values: [[["cloud", "base_url"], "http://127.0.0.1:9/x"], [["cloud", "intercept"], [
      "a",
      "[not.a.header]",
    ]]],
  },
  {
    name: "creates a quoted sub-table at the end",
    text: BASE,
    edits: [{ table: ["cloud", "projects", "my.proj"], key: "upload", value: false }],
    keep: ["# tail comment", 'preset = "standard"'],
    want: ['[cloud.projects."my.proj"]', "upload = false"],
    values: [[["cloud", "projects", "my.proj", "upload"], false]],
  },
  {
    name: "several edits to one new table land together",
    text: BASE,
    edits: [
      { table: ["cloud", "bodies"], key: "enabled", value: true },
      { table: ["cloud", "bodies"], key: "max_body_bytes_per_upload", value: 1000 },
    ],
    keep: ["# top comment"],
    want: ["[cloud.bodies]", "enabled = true", "max_body_bytes_per_upload = 1000"],
    values: [[["cloud", "bodies", "max_body_bytes_per_upload"], 1000]],
  },
  {
    name: "removes a key",
    text: BASE,
    edits: [{ table: ["cloud", "privacy"], key: "preset", value: null }],
    keep: ["[cloud.privacy]", "# tail comment"],
    want: [],
    values: [[["cloud", "privacy", "preset"], undefined]],
  },
  {
    name: "writes into an empty file",
    text: "",
    edits: [{ table: ["cloud"], key: "enabled", value: true }],
    keep: [],
    want: ["[cloud]", "enabled = true"],
    values: [[["cloud", "enabled"], true]],
  },
  {
    name: "the default config keeps every comment and stays valid",
    text: DEFAULT_CONFIG_TOML,
    edits: [
      { table: ["cloud"], key: "enabled", value: true },
      { table: ["cloud"], key: "base_url", value: "https://cloud.example.org" },
      { table: ["cloud"], key: "workspace_id", value: "ws_1" },
      { table: ["cloud", "privacy", "fields"], key: "source_workdir", value: true },
    ],
    keep: DEFAULT_CONFIG_TOML.split("\n").filter((l) => l.trim().startsWith("#")),
    want: ['workspace_id = "ws_1"'],
    values: [[["cloud", "privacy", "fields", "source_workdir"], true], [["proxy", "port"], 8090]],
  },
];

function lookup(doc: unknown, path: string[]): unknown {
  let cur: unknown = doc;
  for (const p of path) cur = (cur as Record<string, unknown> | undefined)?.[p];
  return cur;
}

Deno.test("editToml", async (t) => {
  for (const c of CASES) {
    await t.step(c.name, () => {
      const r = editToml(c.text, c.edits);
      assert(r.ok, r.ok ? "" : r.error);
      const lines = r.value.split("\n");
      for (const k of [...c.keep, ...c.want]) {
        assert(lines.includes(k), `missing line ${JSON.stringify(k)} in:\n${r.value}`);
      }
      const doc = parse(r.value);
      for (const [path, v] of c.values) assert.deepEqual(lookup(doc, path), v, path.join("."));
      // Lines not touched by an edit are unchanged and in order.
      const edited = new Set(c.edits.map((e) => e.key));
      const before = c.text.split("\n").filter((l) => !edited.has(l.split("=")[0].trim()));
      let i = 0;
      for (const l of lines) if (i < before.length && l === before[i]) i++;
      assert.equal(i, before.length, "untouched lines kept in order");
    });
  }
  await t.step("refuses an edit that would break the file", () => {
    const r = editToml('[cloud]\nprivacy.preset = "full"\n', [{
      table: ["cloud", "privacy"],
      key: "preset",
      value: "minimal",
    }]);
    assert(!r.ok);
  });
  await t.step("the edited default config still passes the config schema", () => {
    const r = editToml(DEFAULT_CONFIG_TOML, CASES[6].edits);
    assert(r.ok);
    const cfg = parseConfig(r.value);
    assert(cfg.ok, cfg.ok ? "" : cfg.error);
    assert.equal(cfg.value.cloud.workspace_id, "ws_1");
  });
});
