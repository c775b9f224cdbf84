/** @module Privacy allow-lists: one step per preset and per field rule. */
import assert from "node:assert/strict";
import {
  EXPLICIT_ONLY_FIELDS,
  FULL_EXTRA_FIELDS,
  MINIMAL_FIELDS,
  STANDARD_EXTRA_FIELDS,
} from "../../shared/schemas/request_row.ts";
import { checkFieldOverride, compilePolicy, toWireRow, validateWireRow } from "./privacy.ts";
import { cloudConfig, sampleRow } from "./testing.ts";

const LOCAL_ONLY = [
  "host",
  "mode",
  "stream",
  "operation",
  "attribution_trail",
  "client_pid",
  "request_bytes",
  "response_bytes",
  "outcome",
  "error",
  "billable",
  "inference_geo",
  "speed",
];

function wire(cloud: Record<string, unknown>, over = {}) {
  const w = toWireRow(sampleRow(over), compilePolicy(cloudConfig(cloud).cloud));
  assert.ok("row" in w, "row should be sent");
  return w.row;
}

Deno.test("privacy presets send exactly their fields", async (t) => {
  const cases: [string, readonly string[]][] = [
    ["minimal", MINIMAL_FIELDS],
    ["standard", [...MINIMAL_FIELDS, ...STANDARD_EXTRA_FIELDS]],
    ["full", [...MINIMAL_FIELDS, ...STANDARD_EXTRA_FIELDS, ...FULL_EXTRA_FIELDS]],
  ];
  for (const [preset, fields] of cases) {
    await t.step(preset, () => {
      const src = sampleRow();
      const w = toWireRow(src, compilePolicy(cloudConfig({ privacy: { preset } }).cloud));
      assert.ok("row" in w);
      const row = w.row;
      assert.deepEqual(Object.keys(row).sort(), [...fields].sort());
      for (const f of fields) {
        assert.equal(row[f], (src as unknown as Record<string, unknown>)[f], f);
      }
      for (const f of [...LOCAL_ONLY, ...EXPLICIT_ONLY_FIELDS]) {
        assert.ok(!(f in row), `${f} must not leave the machine`);
      }
      assert.ok(validateWireRow(row).ok, "valid on the wire");
    });
  }
  await t.step("standard is the default", () => {
    assert.deepEqual(
      Object.keys(wire({})).sort(),
      [...MINIMAL_FIELDS, ...STANDARD_EXTRA_FIELDS].sort(),
    );
  });
});

Deno.test("privacy field rules", async (t) => {
  await t.step("source_workdir is withheld by every preset", () => {
    for (const preset of ["minimal", "standard", "full"]) {
      assert.ok(!("source_workdir" in wire({ privacy: { preset } })));
    }
  });
  await t.step("source_workdir is sent on explicit field.source_workdir = true", () => {
    assert.equal(
      wire({ privacy: { preset: "minimal", fields: { source_workdir: true } } }).source_workdir,
      "/home/me/src/billing",
    );
  });
  await t.step("field.<name> true adds a field to a smaller preset", () => {
    const row = wire({ privacy: { preset: "minimal", fields: { latency_ms: true } } });
    assert.equal(row.latency_ms, 812);
    assert.ok(!("hostname" in row));
  });
  await t.step("field.<name> false removes an optional field", () => {
    const row = wire({
      privacy: { preset: "full", fields: { hostname: false, user_agent: false } },
    });
    assert.ok(!("hostname" in row) && !("user_agent" in row));
    assert.equal(row.latency_ms, 812);
  });
  await t.step("a required field cannot be turned off", () => {
    assert.equal(checkFieldOverride("request_id", false).ok, false);
    assert.ok("model" in wire({ privacy: { fields: { model: false } } }));
  });
  await t.step("an unknown field is refused", () => {
    assert.equal(checkFieldOverride("authorization", true).ok, false);
    assert.ok(!("authorization" in wire({ privacy: { fields: { authorization: true } } })));
  });
});

Deno.test("privacy row and body rules", async (t) => {
  const skipped = (cloud: Record<string, unknown>, over = {}) => {
    const w = toWireRow(sampleRow(over), compilePolicy(cloudConfig(cloud).cloud));
    return "skip" in w ? w.skip : null;
  };
  await t.step("project upload=false skips the row entirely", () => {
    assert.equal(skipped({ projects: { billing: { upload: false } } }), "skipped_project");
    assert.equal(
      skipped({ projects: { billing: { upload: false } } }, { project_id: "other" }),
      null,
    );
  });
  await t.step("global upload=false with a project override true", () => {
    assert.equal(skipped({ upload: false }), "skipped_project");
    assert.equal(skipped({ upload: false, projects: { billing: { upload: true } } }), null);
  });
  await t.step("non-LLM rows are never sent", () => {
    assert.equal(skipped({}, { provider: null }), "skipped_not_llm");
  });
  await t.step("bodies: off by default", () => {
    assert.equal(compilePolicy(cloudConfig({}).cloud).uploadBodies("billing"), false);
  });
  await t.step("bodies: enabled globally", () => {
    assert.equal(
      compilePolicy(cloudConfig({ bodies: { enabled: true } }).cloud).uploadBodies("billing"),
      true,
    );
  });
  await t.step("bodies: project bodies_upload=false wins over the global switch", () => {
    const p = compilePolicy(
      cloudConfig({ bodies: { enabled: true }, projects: { billing: { bodies_upload: false } } })
        .cloud,
    );
    assert.equal(p.uploadBodies("billing"), false);
    assert.equal(p.uploadBodies("other"), true);
  });
  await t.step("bodies: project upload=false also stops its bodies", () => {
    const p = compilePolicy(
      cloudConfig({ bodies: { enabled: true }, projects: { billing: { upload: false } } }).cloud,
    );
    assert.equal(p.uploadBodies("billing"), false);
  });
  await t.step(
    "an invalid optional field is dropped, an invalid required one rejects the row",
    () => {
      const ok = validateWireRow(wire({}, { prompt_hash: "not-a-hash" }));
      assert.ok(ok.ok && !("prompt_hash" in ok.value));
      assert.equal(validateWireRow(wire({}, { request_id: "nope" })).ok, false);
    },
  );
});
