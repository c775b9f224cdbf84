/** @module `server:admin` argument handling (the good path runs in pglite_smoke_test.ts). */
import assert from "node:assert/strict";
import { adminMain } from "./admin.ts";

Deno.test("server:admin refuses bad input with exit 1 and one readable line", async (t) => {
  const cases: [string, string[], RegExp][] = [
    ["no command", [], /Usage: deno task server:admin create-user/],
    ["unknown command", ["delete-everything"], /Usage:/],
    [
      "missing email",
      ["create-user", "--workspace", "W", "--password", "longenough"],
      /--email and --workspace are required/,
    ],
    [
      "missing workspace",
      ["create-user", "--email", "a@b.c", "--password", "longenough"],
      /--email and --workspace are required/,
    ],
    ["bad tier", [
      "create-user",
      "--email",
      "a@b.c",
      "--workspace",
      "W",
      "--tier",
      "gold",
      "--password",
      "longenough",
    ], /--tier must be solo, team or enterprise/],
    ["bad role", [
      "create-user",
      "--email",
      "a@b.c",
      "--workspace",
      "W",
      "--role",
      "god",
      "--password",
      "longenough",
    ], /--role must be owner/],
    ["short password", [
      "create-user",
      "--email",
      "a@b.c",
      "--workspace",
      "W",
      "--password",
      "short",
    ], /at least 8 characters/],
  ];
  for (const [name, args, re] of cases) {
    await t.step(name, async () => {
      const lines: string[] = [];
      const orig = console.error;
      console.error = (...a: unknown[]) => lines.push(a.join(" "));
      try {
        assert.equal(await adminMain(args), 1);
      } finally {
        console.error = orig;
      }
      assert.match(lines.join("\n"), re);
    });
  }
});
