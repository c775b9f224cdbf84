/** @module Tests for the local CA and per-host leaf certificates. */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import assert from "node:assert/strict";
import { X509Certificate as NodeX509 } from "node:crypto";
import { homePaths } from "../home.ts";
import { createLeafIssuer, ensureCa, loadCa, SYSTEM_CA_BUNDLES } from "./ca.ts";

Deno.test("ensureCa creates an ECDSA P-256 CA once, key mode 0600, and a combined bundle", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const paths = homePaths(dir);
    await t.step("first call creates", async () => {
      assert.deepEqual(await ensureCa(paths), { created: true });
    });
    const before = await Deno.readTextFile(paths.caCert);
    await t.step("second call is idempotent", async () => {
      assert.deepEqual(await ensureCa(paths), { created: false });
      assert.equal(await Deno.readTextFile(paths.caCert), before);
    });
    await t.step("key file is mode 0600", async () => {
      assert.equal((await Deno.stat(paths.caKey)).mode! & 0o777, 0o600);
    });
    await t.step("CA is P-256, self-signed, CA:true, ~10 years", () => {
      const cert = new NodeX509(before);
      assert.equal(cert.ca, true);
      assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1");
      assert.equal(cert.checkIssued(cert), true);
      const years = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / (365.25 * 86400000);
      assert.ok(years > 9.9 && years < 10.1, `validity ${years} years`);
    });
    await t.step("bundle = system bundle (when present) + our CA", async () => {
      const bundle = await Deno.readTextFile(paths.caBundle);
      assert.ok(bundle.endsWith(before));
      const system = SYSTEM_CA_BUNDLES.find((p) => {
        try {
          return Deno.statSync(p).isFile;
        } catch {
          return false;
        }
      });
      if (system) assert.ok(bundle.length > before.length + 1000, "system CAs included");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leaf certificates: SAN, EKU serverAuth, <= 397 days, signed by the CA, cached", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const paths = homePaths(dir);
    await ensureCa(paths);
    const ca = await loadCa(paths);
    const issuer = createLeafIssuer(ca);
    for (const host of ["api.openai.com", "generativelanguage.googleapis.com", "127.0.0.1"]) {
      await t.step(host, async () => {
        const leaf = await issuer.leafFor(host);
        const cert = new NodeX509(leaf.certPem);
        assert.equal(cert.ca, false);
        assert.ok(cert.checkIssued(new NodeX509(ca.certPem)));
        assert.ok(cert.verify(new NodeX509(ca.certPem).publicKey));
        assert.equal(cert.checkHost(host) !== undefined || cert.checkIP(host) !== undefined, true);
        const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86400000;
        assert.ok(days <= 397, `validity ${days} days`);
        const eku = new x509.X509Certificate(leaf.certPem).getExtension(
          x509.ExtendedKeyUsageExtension,
        );
        assert.deepEqual([...(eku?.usages ?? [])], [x509.ExtendedKeyUsage.serverAuth]);
        assert.equal(await issuer.leafFor(host), leaf, "cached per host");
      });
    }
    await t.step("one entry per host", () => assert.equal(issuer.size, 3));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
