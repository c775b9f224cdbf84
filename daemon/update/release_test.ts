/**
 * @module The release feed: asset naming agrees with `scripts/compile.ts`, asset selection,
 * SHA256SUMS parsing, feed URLs, and `fetchRelease` against a loopback fake (ok, 404, malformed
 * JSON, not a release, unreachable).
 */
import assert from "node:assert/strict";
import { compileArgs, TARGETS } from "../../scripts/compile.ts";
import {
  assetName,
  checksumFor,
  DEFAULT_FEED_BASE,
  errorDetail,
  feedBase,
  feedUrl,
  fetchRelease,
  newestRelease,
  platformTarget,
  type Release,
  selectAssets,
} from "./release.ts";
import { sha256, startFakeFeed } from "./test_util.ts";

Deno.test("platformTarget maps the 4 built platforms to compile.ts targets and names", async (t) => {
  const cases: [string, string, string | null][] = [
    ["linux", "x86_64", "x86_64-unknown-linux-gnu"],
    ["linux", "aarch64", "aarch64-unknown-linux-gnu"],
    ["darwin", "x86_64", "x86_64-apple-darwin"],
    ["darwin", "aarch64", "aarch64-apple-darwin"],
    ["windows", "x86_64", null],
    ["freebsd", "x86_64", null],
  ];
  for (const [os, arch, expected] of cases) {
    await t.step(`${os}-${arch}`, () => assert.equal(platformTarget(os, arch), expected));
  }
  await t.step("every compile target is reachable and named like compile.ts's output", () => {
    const mapped = cases.map((c) => c[2]).filter((x) => x !== null);
    assert.deepEqual([...mapped].sort(), [...TARGETS].sort());
    for (const target of TARGETS) {
      const args = compileArgs(target, []);
      const output = args[args.indexOf("--output") + 1];
      assert.equal(output, `dist/${assetName(target)}`);
    }
  });
  await t.step("this machine", () => {
    assert.equal(platformTarget(Deno.build.os, Deno.build.arch), Deno.build.target);
  });
});

function release(names: string[]): Release {
  return {
    tag_name: "v9.9.9",
    assets: names.map((name) => ({ name, browser_download_url: `http://x/${name}` })),
  };
}

Deno.test("selectAssets picks the platform binary and SHA256SUMS or names what is missing", async (t) => {
  const linux = "x86_64-unknown-linux-gnu";
  const cases: [string, Release, string | null, RegExp | string][] = [
    ["both present", release([assetName(linux), "SHA256SUMS", "other"]), linux, assetName(linux)],
    [
      "missing platform asset",
      release(["halton-meter-aarch64-apple-darwin", "SHA256SUMS"]),
      linux,
      /^Release v9\.9\.9 has no binary for x86_64-unknown-linux-gnu/,
    ],
    ["missing SHA256SUMS", release([assetName(linux)]), linux, /has no SHA256SUMS to verify/],
    ["unsupported platform", release(["SHA256SUMS"]), null, /has no binary for this platform/],
  ];
  for (const [name, rel, target, expected] of cases) {
    await t.step(name, () => {
      const r = selectAssets(rel, target);
      if (typeof expected === "string") {
        assert.ok(r.ok);
        assert.equal(r.value.binary.name, expected);
        assert.equal(r.value.sums.name, "SHA256SUMS");
      } else {
        assert.ok(!r.ok);
        assert.match(r.error, expected);
      }
    });
  }
});

Deno.test("checksumFor reads sha256sum output", async (t) => {
  const a = "a".repeat(64), b = "B".repeat(64);
  const sums =
    `${a}  halton-meter-x86_64-apple-darwin\n${b} *halton-meter-aarch64-apple-darwin\r\n`;
  const cases: [string, string | null][] = [
    ["halton-meter-x86_64-apple-darwin", a],
    ["halton-meter-aarch64-apple-darwin", b.toLowerCase()],
    ["halton-meter-x86_64", null],
    ["halton-meter-x86_64-unknown-linux-gnu", null],
  ];
  for (const [name, expected] of cases) {
    await t.step(name, () => assert.equal(checksumFor(sums, name), expected));
  }
});

Deno.test("feedBase and feedUrl", async (t) => {
  const cases: [string | undefined, { channel: "stable" | "beta"; version?: string }, string][] = [
    [undefined, { channel: "stable" }, `${DEFAULT_FEED_BASE}/latest`],
    ["", { channel: "stable" }, `${DEFAULT_FEED_BASE}/latest`],
    ["http://h/r/releases/latest", { channel: "stable" }, "http://h/r/releases/latest"],
    ["http://h/r/releases/", { channel: "beta" }, "http://h/r/releases"],
    [
      "http://h/r/releases",
      { channel: "stable", version: "1.2.3" },
      "http://h/r/releases/tags/v1.2.3",
    ],
  ];
  for (const [env, pick, expected] of cases) {
    await t.step(`${env} ${JSON.stringify(pick)}`, () => {
      assert.equal(feedUrl(feedBase(env), pick), expected);
    });
  }
  assert.equal(
    DEFAULT_FEED_BASE,
    "https://api.github.com/repos/halton-meter/halton-meter/releases",
  );
});

Deno.test("errorDetail keeps a JSON message on one short line", async (t) => {
  const cases: [string, string][] = [
    ['{"message":"Not Found"}', "Not Found"],
    [JSON.stringify({ message: "a\n  b" }), "a b"],
    [JSON.stringify({ message: "x".repeat(300) }), `${"x".repeat(157)}...`],
    ["<html>oops</html>", ""],
    ['{"message": 3}', ""],
  ];
  for (const [body, expected] of cases) {
    await t.step(body.slice(0, 30), () => assert.equal(errorDetail(body), expected));
  }
});

Deno.test("newestRelease skips drafts and non-semver tags and ranks pre-releases", () => {
  const r = (tag_name: string, draft = false): Release => ({ tag_name, draft, assets: [] });
  assert.equal(
    newestRelease([r("v1.0.0"), r("v1.1.0-rc.1"), r("v2.0.0", true), r("nightly")])?.tag_name,
    "v1.1.0-rc.1",
  );
  assert.equal(newestRelease([r("nightly")]), null);
});

Deno.test("fetchRelease against a fake feed", async (t) => {
  const bin = new TextEncoder().encode("binary");
  const feed = startFakeFeed({
    releases: [
      { tag: "v1.0.0", binaries: { "halton-meter-x86_64-apple-darwin": bin } },
      { tag: "v1.1.0-beta.1", binaries: {}, prerelease: true },
    ],
    latest: "v1.0.0",
  });
  try {
    await t.step("latest stable", async () => {
      const r = await fetchRelease(feed.base, { channel: "stable" });
      assert.ok(r.ok, !r.ok ? r.error : "");
      assert.equal(r.value.tag_name, "v1.0.0");
      const sumsUrl = r.value.assets.find((a) => a.name === "SHA256SUMS")!.browser_download_url;
      assert.match(await (await fetch(sumsUrl)).text(), new RegExp(`^${sha256(bin)}  `));
    });
    await t.step("beta channel considers pre-releases", async () => {
      const r = await fetchRelease(feed.base, { channel: "beta" });
      assert.ok(r.ok);
      assert.equal(r.value.tag_name, "v1.1.0-beta.1");
    });
    await t.step("pinned version", async () => {
      const r = await fetchRelease(feed.base, { channel: "stable", version: "1.0.0" });
      assert.ok(r.ok);
      assert.equal(r.value.tag_name, "v1.0.0");
    });
    const errors: [string, () => void, { channel: "stable"; version?: string }, RegExp][] = [
      [
        "404 feed",
        () => (feed.state.latest = null),
        { channel: "stable" },
        /^Cannot check for updates: http:\/\/127\.0\.0\.1:\d+\/releases\/latest answered 404/,
      ],
      [
        "unknown pinned version",
        () => {},
        { channel: "stable", version: "7.7.7" },
        /^Cannot find release v7\.7\.7: .* answered 404/,
      ],
      [
        "malformed JSON",
        () => (feed.state.rawFeed = "{not json"),
        { channel: "stable" },
        /did not answer JSON$/,
      ],
      ["JSON that is not a release", () => (feed.state.rawFeed = '{"name":"x"}'), {
        channel: "stable",
      }, /did not answer a release \(tag_name: /],
      [
        "rate limited",
        () => {
          feed.state.rawFeed = undefined;
          feed.state.feedError = { status: 403, message: "API rate limit exceeded for 1.2.3.4." };
        },
        { channel: "stable" },
        /answered 403 Forbidden \(API rate limit exceeded for 1\.2\.3\.4\.\)$/,
      ],
    ];
    for (const [name, setup, pick, expected] of errors) {
      await t.step(name, async () => {
        setup();
        const r = await fetchRelease(feed.base, pick);
        assert.ok(!r.ok);
        assert.match(r.error, expected);
        assert.ok(!r.error.includes("\n"));
      });
    }
  } finally {
    await feed.close();
  }
  await t.step("unreachable feed", async () => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = l.addr.port;
    l.close();
    const r = await fetchRelease(`http://127.0.0.1:${port}/releases`, { channel: "stable" });
    assert.ok(!r.ok);
    assert.match(
      r.error,
      /^Cannot check for updates: cannot reach http:\/\/127\.0\.0\.1:\d+\/releases\/latest: /,
    );
    assert.ok(!r.error.includes("\n"));
  });
});
