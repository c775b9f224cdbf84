/** @module CSV quoting and table alignment of the report commands. */
import assert from "node:assert/strict";
import { csvField, csvLine, renderTable } from "./report_format.ts";

Deno.test("CSV fields follow RFC 4180", async (t) => {
  const cases: [unknown, string][] = [
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["line\nbreak", '"line\nbreak"'],
    ["cr\rx", '"cr\rx"'],
    [null, ""],
    [undefined, ""],
    [0, "0"],
    [true, "true"],
  ];
  for (const [v, want] of cases) {
    await t.step(JSON.stringify(v) ?? "undefined", () => assert.equal(csvField(v), want));
  }
  await t.step("lines end with CRLF", () => assert.equal(csvLine(["a", 1, null]), "a,1,\r\n"));
});

Deno.test("tables align and colour only when asked", async (t) => {
  const rows = [["alpha", "1", "$0.10000"], ["a-much-longer-key", "1,234", "—"], [
    "TOTAL",
    "1,235",
    "$0.10000",
  ]];
  await t.step("plain", () => {
    const out = renderTable(["project", "requests", "cost"], rows, {
      totalsRow: true,
      colour: false,
    });
    const lines = out.split("\n");
    assert.equal(lines.length, 6); // header, rule, 2 rows, rule, total
    assert.ok(!out.includes("\x1b["));
    const body = [lines[0], lines[2], lines[3], lines[5]];
    assert.equal(new Set(body.map((l) => l.length)).size, 1);
    assert.match(lines[2], /^alpha {12,} +1 {2}\$0\.10000$/);
  });
  await t.step("colour", () => {
    const ESC = String.fromCharCode(27);
    const out = renderTable(["project", "requests", "cost"], rows, {
      totalsRow: true,
      colour: true,
      highlight: (col, cell) => col === 2 && cell === "—",
    });
    assert.ok(out.includes("\x1b[1mproject"));
    assert.match(out, new RegExp(`${ESC}\\[33m +—${ESC}\\[0m`));
  });
});
