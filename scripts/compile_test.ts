/** @module The compile script's offline detection and arguments. */
import assert from "node:assert/strict";
import { compileArgs, isDenortDownloadFailure } from "./compile.ts";

const OFFLINE_STDERR = `Check a.ts
Compile a.ts to out
Download https://dl.deno.land/release/v2.9.6/denort-aarch64-apple-darwin.zip
error: Writing deno compile executable to temporary file '/tmp/out.tmp-f6b311bb47445345'

Caused by:
    0: Setting up base binary.
    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-aarch64-apple-darwin.zip): client error (Connect): dns error: failed to lookup address information: Name or service not known`;

Deno.test("compile recognises a failed denort download", async (t) => {
  const cases: [string, string, boolean][] = [
    ["dns failure fetching denort", OFFLINE_STDERR, true],
    [
      "a type error is not a download failure",
      "error: TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.",
      false,
    ],
    [
      "a missing include is not a download failure",
      "error: Failed to read 'daemon/nope': No such file or directory",
      false,
    ],
  ];
  for (const [name, stderr, expected] of cases) {
    await t.step(name, () => assert.equal(isDenortDownloadFailure(stderr), expected));
  }
});

Deno.test("compile passes the binary's permissions, includes and target", () => {
  const args = compileArgs("aarch64-apple-darwin", ["daemon/store/migrations"]);
  assert.ok(args.includes("--allow-all"));
  assert.ok(args.includes("--v8-flags=--max-semi-space-size=1"));
  assert.deepEqual(args.slice(args.indexOf("--include"), args.indexOf("--include") + 2), [
    "--include",
    "daemon/store/migrations",
  ]);
  assert.equal(args[args.indexOf("--target") + 1], "aarch64-apple-darwin");
  assert.equal(args[args.indexOf("--output") + 1], "dist/halton-meter-aarch64-apple-darwin");
  assert.equal(args.at(-1), "daemon/main.ts");
});
