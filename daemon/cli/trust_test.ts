/** @module Which trust store `trust --yes` picks from /etc/os-release. */
import assert from "node:assert/strict";
import { detectTrustOs } from "./trust.ts";

Deno.test("detectTrustOs reads /etc/os-release", async (t) => {
  if (Deno.build.os !== "linux") return;
  const cases: [string, string, string | null][] = [
    ["Debian", "ID=debian\nVERSION_CODENAME=bookworm\n", "debian"],
    ["Ubuntu", "ID=ubuntu\nID_LIKE=debian\n", "debian"],
    ["Linux Mint", 'ID=linuxmint\nID_LIKE="ubuntu debian"\n', "debian"],
    ["Fedora", "ID=fedora\n", "fedora"],
    ["Rocky", 'ID="rocky"\nID_LIKE="rhel centos fedora"\n', "fedora"],
    ["Arch", "ID=arch\n", null],
  ];
  for (const [name, text, expected] of cases) {
    await t.step(name, () => assert.equal(detectTrustOs(text), expected));
  }
});
