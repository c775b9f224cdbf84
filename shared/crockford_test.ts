/** @module Crockford pairing codes: format, lenient input, and rejection of impossible codes. */
import assert from "node:assert/strict";
import { normalizePairingCode, randomPairingCode } from "./crockford.ts";

Deno.test("random codes are XXXX-XXXX Crockford and round-trip", () => {
  for (let i = 0; i < 200; i++) {
    const c = randomPairingCode();
    assert.match(c, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    assert.equal(normalizePairingCode(c), c.replace("-", ""));
  }
});

Deno.test("normalizePairingCode", async (t) => {
  const cases: [string, string | null][] = [
    ["ABCD-EFGH", "ABCDEFGH"],
    ["abcd-efgh", "ABCDEFGH"],
    ["abcdefgh", "ABCDEFGH"],
    [" ab cd-ef gh ", "ABCDEFGH"],
    ["IL0O-1234", "11001234"],
    ["UUUU-UUUU", null],
    ["ABCD-EFG", null],
    ["ABCD-EFGHJ", null],
    ["AB*D-EFGH", null],
    ["", null],
  ];
  for (const [input, want] of cases) {
    await t.step(JSON.stringify(input), () => assert.equal(normalizePairingCode(input), want));
  }
});
