/** @module Semantic version parsing and precedence, including `v` prefixes and pre-releases. */
import assert from "node:assert/strict";
import { compareSemver, isNewer, parseSemver, toTag } from "./semver.ts";

Deno.test("parseSemver accepts v prefixes, pre-releases and build metadata", async (t) => {
  const cases: [string, ReturnType<typeof parseSemver>][] = [
    ["1.2.3", { major: 1, minor: 2, patch: 3, prerelease: [] }],
    ["v0.10.0", { major: 0, minor: 10, patch: 0, prerelease: [] }],
    ["v1.0.0-rc.1", { major: 1, minor: 0, patch: 0, prerelease: ["rc", "1"] }],
    ["2.0.0-beta+exp.sha.5114f85", { major: 2, minor: 0, patch: 0, prerelease: ["beta"] }],
    [" v3.4.5 ", { major: 3, minor: 4, patch: 5, prerelease: [] }],
    ["nightly", null],
    ["1.2", null],
    ["01.2.3", null],
    ["1.2.3-", null],
    ["vv1.2.3", null],
  ];
  for (const [text, expected] of cases) {
    await t.step(JSON.stringify(text), () => assert.deepEqual(parseSemver(text), expected));
  }
});

Deno.test("compareSemver follows semver 2.0 precedence", async (t) => {
  // The semver.org example chain, each strictly less than the next.
  const chain = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "v1.0.1",
    "1.1.0",
    "1.10.0",
    "2.0.0",
  ];
  for (let i = 0; i + 1 < chain.length; i++) {
    await t.step(`${chain[i]} < ${chain[i + 1]}`, () => {
      const a = parseSemver(chain[i])!, b = parseSemver(chain[i + 1])!;
      assert.equal(compareSemver(a, b), -1);
      assert.equal(compareSemver(b, a), 1);
    });
  }
  await t.step("equal versions, with and without v and build metadata", () => {
    assert.equal(compareSemver(parseSemver("v1.2.3+abc")!, parseSemver("1.2.3")!), 0);
  });
});

Deno.test("isNewer and toTag", async (t) => {
  const cases: [string, string, boolean][] = [
    ["v0.2.0", "0.1.0", true],
    ["v0.1.0", "0.1.0", false],
    ["v0.10.0", "0.9.9", true],
    ["v1.0.0", "1.0.1", false],
    ["v1.0.0-rc.1", "1.0.0", false],
    ["v1.0.0", "1.0.0-rc.1", true],
    ["nightly", "0.1.0", false],
    ["v1.0.0", "garbage", false],
  ];
  for (const [latest, current, expected] of cases) {
    await t.step(`${latest} vs ${current}`, () => assert.equal(isNewer(latest, current), expected));
  }
  await t.step("toTag", () => {
    assert.equal(toTag("1.2.3"), "v1.2.3");
    assert.equal(toTag("v1.2.3"), "v1.2.3");
  });
});
