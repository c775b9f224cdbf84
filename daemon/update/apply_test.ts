/**
 * @module Installing a binary: where (refused under `deno run` without a target path), the
 * progress line, and `installBinary` on a temp "binary": replaced with mode 0755 on a matching
 * checksum; untouched (and no temp file left) on a mismatch, a failed download or an unwritable
 * place.
 */
import assert from "node:assert/strict";
import { installBinary, isDenoCli, progressLine, resolveInstallPath } from "./apply.ts";
import { sha256, startFakeFeed } from "./test_util.ts";

Deno.test("resolveInstallPath refuses under deno run unless a target path is given", async (t) => {
  const cases: [
    string,
    { execPath: string; standalone: boolean },
    string | undefined,
    string | RegExp,
  ][] = [
    [
      "compiled binary",
      { execPath: "/usr/local/bin/halton-meter", standalone: true },
      undefined,
      "/usr/local/bin/halton-meter",
    ],
    [
      "deno run",
      { execPath: "/usr/bin/deno", standalone: false },
      undefined,
      /^Cannot update: this is running under `deno run` \(\/usr\/bin\/deno\)/,
    ],
    [
      "a binary named deno",
      { execPath: "/opt/deno", standalone: true },
      undefined,
      /running under `deno run`/,
    ],
    [
      "deno run with --target-path",
      { execPath: "/usr/bin/deno", standalone: false },
      "/tmp/x/halton-meter",
      "/tmp/x/halton-meter",
    ],
    [
      "this test process",
      { execPath: Deno.execPath(), standalone: Deno.build.standalone },
      undefined,
      /running under `deno run`/,
    ],
  ];
  for (const [name, rt, target, expected] of cases) {
    await t.step(name, () => {
      const r = resolveInstallPath(rt, target);
      if (typeof expected === "string") {
        assert.ok(r.ok);
        assert.equal(r.value, expected);
      } else {
        assert.ok(!r.ok);
        assert.match(r.error, expected);
        assert.ok(!r.error.includes("\n"));
      }
    });
  }
  assert.equal(isDenoCli({ execPath: "/usr/local/bin/halton-meter", standalone: true }), false);
});

Deno.test("progressLine", async (t) => {
  const cases: [number, number | null, string][] = [
    [0, 2_097_152, "Downloading b  0.0 / 2.0 MB  0%"],
    [1_048_576, 2_097_152, "Downloading b  1.0 / 2.0 MB  50%"],
    [2_097_152, 2_097_152, "Downloading b  2.0 / 2.0 MB  100%"],
    [524_288, null, "Downloading b  0.5 MB"],
  ];
  for (const [received, total, expected] of cases) {
    await t.step(expected, () => assert.equal(progressLine("b", received, total), expected));
  }
});

Deno.test("installBinary replaces the target only when the checksum matches", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "hm-update-" });
  const payload = new TextEncoder().encode("#!/bin/sh\necho new\n".repeat(5000));
  const feed = startFakeFeed({
    releases: [{ tag: "v2.0.0", binaries: { bin: payload } }],
    latest: "v2.0.0",
  });
  const url = `${feed.base.replace(/\/releases$/, "")}/dl/v2.0.0/bin`;
  const target = `${dir}/halton-meter`;
  const leftovers = async () => {
    const names: string[] = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    return names.filter((n) => n.endsWith(".tmp"));
  };
  const cases: {
    name: string;
    url: string;
    sha: string;
    target?: string;
    error?: RegExp;
  }[] = [
    {
      name: "checksum mismatch",
      url,
      sha: "0".repeat(64),
      error:
        /^Checksum mismatch for bin: SHA256SUMS lists 000000000000…, the download is [0-9a-f]{12}…; nothing was replaced$/,
    },
    {
      name: "download 404",
      url: `${url}-missing`,
      sha: sha256(payload),
      error:
        /^Cannot download bin: http:\/\/127\.0\.0\.1:\d+\/dl\/v2\.0\.0\/bin-missing answered 404/,
    },
    {
      name: "unwritable place",
      url,
      sha: sha256(payload),
      target: `${dir}/no-such-dir/halton-meter`,
      error: /^Cannot update .*no-such-dir\/halton-meter: cannot write in /,
    },
    { name: "matching checksum", url, sha: sha256(payload).toUpperCase() },
  ];
  try {
    for (const c of cases) {
      await t.step(c.name, async () => {
        await Deno.writeTextFile(target, "old binary", { mode: 0o700 });
        await Deno.chmod(target, 0o700);
        let progressCalls = 0;
        const r = await installBinary({
          url: c.url,
          name: "bin",
          expectedSha256: c.sha,
          targetPath: c.target ?? target,
          onProgress: () => progressCalls++,
        });
        if (c.error) {
          assert.ok(!r.ok);
          assert.match(r.error, c.error);
          assert.equal(await Deno.readTextFile(target), "old binary");
          assert.equal((await Deno.stat(target)).mode! & 0o777, 0o700);
        } else {
          assert.ok(r.ok, !r.ok ? r.error : "");
          assert.equal(r.value, await Deno.realPath(target));
          assert.deepEqual(await Deno.readFile(target), payload);
          assert.equal((await Deno.stat(target)).mode! & 0o777, 0o755);
          assert.ok(progressCalls >= 2);
        }
        assert.deepEqual(await leftovers(), []);
      });
    }
    await t.step(
      "a symlinked target: the file it points at is replaced, the link kept",
      async () => {
        const real = `${dir}/real-binary`;
        const link = `${dir}/link`;
        await Deno.writeTextFile(real, "old");
        await Deno.symlink(real, link);
        const r = await installBinary({
          url,
          name: "bin",
          expectedSha256: sha256(payload),
          targetPath: link,
        });
        assert.ok(r.ok);
        assert.ok((await Deno.lstat(link)).isSymlink);
        assert.deepEqual(await Deno.readFile(real), payload);
      },
    );
  } finally {
    await feed.close();
    await Deno.remove(dir, { recursive: true });
  }
});
