/**
 * @module `update`: version comparison, `update --check` against a local fake releases API, and
 * installing a release binary verified by SHA256SUMS (into a temp "binary").
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { VERSION } from "../version.ts";
import { installRelease, isNewer, type Release } from "./update.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

/** A loopback fake of the GitHub releases API and its downloads. */
function fakeReleases(tag: string, binary: Uint8Array<ArrayBuffer>, sumsOverride?: string) {
  const target = Deno.build.target;
  const sha = createHash("sha256").update(binary).digest("hex");
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    const base = `http://127.0.0.1:${server.addr.port}`;
    if (path === "/latest") {
      const release: Release = {
        tag_name: tag,
        html_url: `${base}/tag/${tag}`,
        assets: [
          { name: `halton-meter-${target}`, browser_download_url: `${base}/bin` },
          { name: "SHA256SUMS", browser_download_url: `${base}/sums` },
        ],
      };
      return Response.json(release);
    }
    if (path === "/bin") return new Response(binary);
    if (path === "/sums") return new Response(sumsOverride ?? `${sha}  halton-meter-${target}\n`);
    return new Response("nope", { status: 404 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}/latest`, server };
}

Deno.test("isNewer compares semantic versions", async (t) => {
  const cases: [string, string, boolean][] = [
    ["v0.2.0", "0.1.0", true],
    ["v0.1.0", "0.1.0", false],
    ["v0.10.0", "0.9.9", true],
    ["v1.0.0", "1.0.1", false],
    ["nightly", "0.1.0", false],
  ];
  for (const [latest, current, expected] of cases) {
    await t.step(`${latest} vs ${current}`, () => assert.equal(isNewer(latest, current), expected));
  }
});

Deno.test("update --check reports a newer release, or that this one is current", async (t) => {
  for (
    const [tag, re] of [["v99.0.0", /v99\.0\.0 is available/], [
      `v${VERSION}`,
      /is up to date/,
    ]] as const
  ) {
    await t.step(tag, async () => {
      const fake = fakeReleases(tag, new Uint8Array([1]));
      try {
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "--allow-all", MAIN, "update", "--check"],
          env: { HALTON_METER_UPDATE_URL: fake.url, HALTON_METER_HOME: "/nonexistent-home" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
        assert.match(new TextDecoder().decode(out.stdout), re);
      } finally {
        await fake.server.shutdown();
      }
    });
  }
  await t.step("an unreachable releases API is a one-line error, exit 1", async () => {
    const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = l.addr.port;
    l.close();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", MAIN, "update", "--check"],
      env: { HALTON_METER_UPDATE_URL: `http://127.0.0.1:${port}/latest` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 1);
    const err = new TextDecoder().decode(out.stderr).trim();
    assert.match(err, /^halton-meter: Cannot check for updates/);
    assert.equal(err.split("\n").length, 1);
  });
});

Deno.test("installRelease replaces the binary only when SHA256SUMS matches", async (t) => {
  const dir = await Deno.makeTempDir();
  const bin = `${dir}/halton-meter`;
  const payload = new TextEncoder().encode("#!/bin/sh\necho new\n");
  try {
    await t.step("matching checksum: replaced, executable", async () => {
      await Deno.writeTextFile(bin, "old");
      const fake = fakeReleases("v99.0.0", payload);
      try {
        const release = await (await fetch(fake.url)).json() as Release;
        await installRelease(release, Deno.build.target, bin);
        assert.deepEqual(await Deno.readFile(bin), payload);
        assert.equal((await Deno.stat(bin)).mode! & 0o777, 0o755);
      } finally {
        await fake.server.shutdown();
      }
    });
    await t.step("wrong checksum: refused, binary untouched", async () => {
      await Deno.writeTextFile(bin, "old");
      const fake = fakeReleases(
        "v99.0.0",
        payload,
        `${"0".repeat(64)}  halton-meter-${Deno.build.target}\n`,
      );
      try {
        const release = await (await fetch(fake.url)).json() as Release;
        await assert.rejects(
          () => installRelease(release, Deno.build.target, bin),
          /does not match SHA256SUMS/,
        );
        assert.equal(await Deno.readTextFile(bin), "old");
      } finally {
        await fake.server.shutdown();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
