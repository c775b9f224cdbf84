/** @module Secret files are 0600, Fernet round-trips and detects tampering, machine id is stable. */
import assert from "node:assert/strict";
import { homePaths } from "../home.ts";
import {
  ensureCloudKey,
  ensureMachineId,
  fernetDecrypt,
  fernetEncrypt,
  newFernetKey,
  readCredentials,
  removeCloudFiles,
  writeCredentials,
} from "./credentials.ts";

const unix = Deno.build.os !== "windows";

Deno.test("cloud credentials", async (t) => {
  const dir = await Deno.makeTempDir();
  const paths = homePaths(dir);
  try {
    await t.step("cloud.key is created 0600 and reused", async () => {
      const k1 = await ensureCloudKey(paths);
      const k2 = await ensureCloudKey(paths);
      assert.equal(k1, k2);
      if (unix) assert.equal((await Deno.stat(paths.cloudKey)).mode! & 0o777, 0o600);
    });
    await t.step("cloud-credentials.json is written 0600 with the raw token", async () => {
      await writeCredentials(paths, {
        token: "hm_sync_abc",
        base_url: "http://127.0.0.1:1",
        workspace_id: "w",
        machine_id: "m",
        created_at: new Date().toISOString(),
      });
      if (unix) assert.equal((await Deno.stat(paths.cloudCredentials)).mode! & 0o777, 0o600);
      assert.equal((await readCredentials(paths))?.token, "hm_sync_abc");
    });
    await t.step("Fernet round-trip", () => {
      const key = newFernetKey();
      const tok = fernetEncrypt(key, "hm_sync_secret-value");
      assert.ok(!tok.includes("hm_sync_secret-value"));
      const back = fernetDecrypt(key, tok);
      assert.ok(back.ok);
      assert.equal(back.value, "hm_sync_secret-value");
    });
    await t.step("Fernet refuses a wrong key and a tampered token", () => {
      const key = newFernetKey();
      const tok = fernetEncrypt(key, "hm_sync_x");
      assert.equal(fernetDecrypt(newFernetKey(), tok).ok, false);
      const flipped = tok.slice(0, 30) + (tok[30] === "A" ? "B" : "A") + tok.slice(31);
      assert.equal(fernetDecrypt(key, flipped).ok, false);
    });
    await t.step("machine id survives removal of the cloud files", async () => {
      const id = await ensureMachineId(paths);
      assert.ok(await removeCloudFiles(paths));
      assert.equal(await ensureMachineId(paths), id);
      await assert.rejects(Deno.stat(paths.cloudKey));
      await assert.rejects(Deno.stat(paths.cloudCredentials));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
