/**
 * @module `checkForUpdate` and `applyRelease` against a loopback fake feed, table-driven:
 * up to date, newer, pinned (downgrade allowed), invalid `--to`, and for installing: success,
 * checksum mismatch (file untouched), missing platform asset, missing SHA256SUMS, no checksum line.
 */
import assert from "node:assert/strict";
import { applyRelease, checkForUpdate, type UpdateCheck } from "./mod.ts";
import { type FakeRelease, sha256, startFakeFeed } from "./test_util.ts";

const TARGET = "x86_64-apple-darwin";
const NAME = `halton-meter-${TARGET}`;

Deno.test("checkForUpdate compares the feed's release with this version", async (t) => {
  const feed = startFakeFeed({
    releases: [{ tag: "v1.0.0", binaries: {} }, { tag: "v0.9.0", binaries: {} }, {
      tag: "v1.1.0-rc.1",
      binaries: {},
      prerelease: true,
    }],
    latest: "v1.0.0",
  });
  const cases: [
    string,
    { current: string; channel?: "stable" | "beta"; version?: string },
    Partial<UpdateCheck> | RegExp,
  ][] = [
    ["up to date", { current: "1.0.0" }, {
      current: "v1.0.0",
      latest: "v1.0.0",
      update_available: false,
      pinned: false,
    }],
    ["newer available", { current: "0.1.0" }, {
      current: "v0.1.0",
      latest: "v1.0.0",
      update_available: true,
    }],
    ["ahead of the feed", { current: "2.0.0" }, { update_available: false }],
    ["pre-release current, release out", { current: "1.0.0-rc.2" }, { update_available: true }],
    ["beta channel", { current: "1.0.0", channel: "beta" }, {
      latest: "v1.1.0-rc.1",
      update_available: true,
      channel: "beta",
    }],
    ["pinned downgrade", { current: "1.0.0", version: "0.9.0" }, {
      latest: "v0.9.0",
      update_available: true,
      pinned: true,
    }],
    ["pinned same", { current: "1.0.0", version: "v1.0.0" }, {
      update_available: false,
      pinned: true,
    }],
    ["invalid --to", { current: "1.0.0", version: "latest" }, /^Invalid --to "latest"/],
  ];
  try {
    for (const [name, o, expected] of cases) {
      await t.step(name, async () => {
        const r = await checkForUpdate({
          base: feed.base,
          channel: o.channel ?? "stable",
          version: o.version,
          current: o.current,
        });
        if (expected instanceof RegExp) {
          assert.ok(!r.ok);
          assert.match(r.error, expected);
        } else {
          assert.ok(r.ok, !r.ok ? r.error : "");
          for (const [k, v] of Object.entries(expected)) {
            assert.equal(r.value.check[k as keyof UpdateCheck], v, k);
          }
        }
      });
    }
  } finally {
    await feed.close();
  }
});

Deno.test("applyRelease installs only a verified binary for this platform", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "hm-apply-" });
  const target = `${dir}/halton-meter`;
  const payload = new TextEncoder().encode("new binary bytes");
  const ok: FakeRelease = { tag: "v2.0.0", binaries: { [NAME]: payload } };
  const cases: [string, FakeRelease, RegExp | null][] = [
    ["success", ok, null],
    [
      "checksum mismatch",
      { ...ok, sums: `${sha256(new Uint8Array([9]))}  ${NAME}\n` },
      /^Checksum mismatch for halton-meter-x86_64-apple-darwin/,
    ],
    ["missing platform asset", {
      ...ok,
      binaries: { "halton-meter-aarch64-apple-darwin": payload },
    }, /^Release v2\.0\.0 has no binary for x86_64-apple-darwin/],
    ["missing SHA256SUMS", { ...ok, omitSums: true }, /^Release v2\.0\.0 has no SHA256SUMS/],
    [
      "no checksum line",
      { ...ok, sums: `${sha256(payload)}  halton-meter-other\n` },
      /^SHA256SUMS of v2\.0\.0 lists no checksum for halton-meter-x86_64-apple-darwin$/,
    ],
  ];
  const feed = startFakeFeed({ releases: [], latest: "v2.0.0" });
  try {
    for (const [name, rel, error] of cases) {
      await t.step(name, async () => {
        feed.state.releases = [rel];
        await Deno.writeTextFile(target, "old");
        const release = await checkForUpdate({
          base: feed.base,
          channel: "stable",
          current: "1.0.0",
        });
        assert.ok(release.ok);
        const r = await applyRelease({
          release: release.value.release,
          target: TARGET,
          targetPath: target,
        });
        if (error) {
          assert.ok(!r.ok);
          assert.match(r.error, error);
          assert.equal(await Deno.readTextFile(target), "old");
        } else {
          assert.ok(r.ok, !r.ok ? r.error : "");
          assert.deepEqual(await Deno.readFile(target), payload);
          assert.equal((await Deno.stat(target)).mode! & 0o777, 0o755);
        }
      });
    }
  } finally {
    await feed.close();
    await Deno.remove(dir, { recursive: true });
  }
});
