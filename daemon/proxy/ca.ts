/**
 * @module The local certificate authority: an ECDSA P-256 CA (10 years) created once per home,
 * and per-host leaf certificates (SAN = host, EKU serverAuth, ≤ 397 days) signed by it, cached per
 * host for the life of the process. PEMs are usable by `node:tls`.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { dirname } from "node:path";
import type { HomePaths } from "../home.ts";

/** The CA as loaded from disk. */
export interface CaMaterial {
  certPem: string;
  keyPem: string;
  cert: x509.X509Certificate;
  key: CryptoKey;
}

/** A leaf certificate and its key, PEM encoded (leaf first, no chain). */
export interface LeafPem {
  certPem: string;
  keyPem: string;
}

const EC: EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };
const SIGN: EcdsaParams = { name: "ECDSA", hash: "SHA-256" };
const DAY = 86_400_000;

x509.cryptoProvider.set(crypto);

function serial(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] &= 0x7f; // positive
  if (b[0] === 0) b[0] = 1;
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join("\n")}\n-----END ${label}-----\n`;
}

function unpem(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-----(BEGIN|END) [A-Z ]+-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** System CA bundles, first match wins (Debian/Ubuntu, Fedora/RHEL, macOS/BSD, Alpine/SUSE). */
export const SYSTEM_CA_BUNDLES: string[] = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/cert.pem",
  "/etc/ssl/ca-bundle.pem",
];

async function systemBundle(): Promise<string> {
  for (const p of SYSTEM_CA_BUNDLES) {
    try {
      const text = await Deno.readTextFile(p);
      if (text.includes("BEGIN CERTIFICATE")) return text.endsWith("\n") ? text : text + "\n";
    } catch { /* try the next one */ }
  }
  return "";
}

/** Writes `ca-bundle.pem` = the system CA bundle (when present) followed by our CA. */
export async function writeCaBundle(paths: HomePaths): Promise<void> {
  const ours = await Deno.readTextFile(paths.caCert);
  await Deno.writeTextFile(paths.caBundle, (await systemBundle()) + ours);
}

/** Generates a CA in memory (ECDSA P-256, 10 years). `ensureCa` persists one; test fakes use their own. */
export async function generateCa(commonName = "halton-meter local CA"): Promise<CaMaterial> {
  const keys = await crypto.subtle.generateKey(EC, true, ["sign", "verify"]) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}, O=halton-meter`,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 3650 * DAY),
    keys,
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign |
          x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    certPem: cert.toString("pem") + "\n",
    keyPem: pem("PRIVATE KEY", await crypto.subtle.exportKey("pkcs8", keys.privateKey)),
    cert,
    key: keys.privateKey,
  };
}

/** Creates the CA (`ca.pem`, `ca.key` mode 0600) and `ca-bundle.pem` if missing. Idempotent. */
export async function ensureCa(paths: HomePaths): Promise<{ created: boolean }> {
  await Deno.mkdir(dirname(paths.caCert), { recursive: true });
  let created = false;
  if (!(await exists(paths.caCert)) || !(await exists(paths.caKey))) {
    const ca = await generateCa();
    await Deno.writeTextFile(paths.caKey, ca.keyPem, { mode: 0o600 });
    await Deno.chmod(paths.caKey, 0o600).catch(() => {});
    await Deno.writeTextFile(paths.caCert, ca.certPem);
    created = true;
  }
  if (created || !(await exists(paths.caBundle))) await writeCaBundle(paths);
  return { created };
}

/** Loads the CA written by `ensureCa`. Throws with a one-line message when it is missing. */
export async function loadCa(paths: HomePaths): Promise<CaMaterial> {
  let certPem: string, keyPem: string;
  try {
    certPem = await Deno.readTextFile(paths.caCert);
    keyPem = await Deno.readTextFile(paths.caKey);
  } catch (e) {
    throw new Error(
      `Cannot load the CA from ${paths.caCert}: ${(e as Error).message}; run \`halton-meter init\``,
    );
  }
  const cert = new x509.X509Certificate(certPem);
  const key = await crypto.subtle.importKey("pkcs8", unpem(keyPem), EC, false, ["sign"]);
  return { certPem, keyPem, cert, key };
}

/** Issues one leaf certificate for `hosts` (DNS names or IPs), signed by `ca`, valid 390 days. */
export async function issueLeaf(ca: CaMaterial, hosts: string[]): Promise<LeafPem> {
  const keys = await crypto.subtle.generateKey(EC, true, ["sign", "verify"]) as CryptoKeyPair;
  const now = Date.now();
  const isIp = (h: string) => /^[0-9.]+$/.test(h) || h.includes(":");
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${hosts[0]}`,
    issuer: ca.cert.subject,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 390 * DAY),
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(
        hosts.map((h) => ({ type: isIp(h) ? "ip" as const : "dns" as const, value: h })),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
    ],
  });
  return {
    certPem: cert.toString("pem") + "\n",
    keyPem: pem("PRIVATE KEY", await crypto.subtle.exportKey("pkcs8", keys.privateKey)),
  };
}

/** Issues leaf certificates for hosts, once per host per issuer. */
export interface LeafIssuer {
  leafFor(host: string): Promise<LeafPem>;
  readonly size: number;
}

/** Creates a per-process leaf cache signed by `ca`. Concurrent calls for one host share a promise. */
export function createLeafIssuer(ca: CaMaterial): LeafIssuer {
  const cache = new Map<string, Promise<LeafPem>>();
  return {
    leafFor(host: string): Promise<LeafPem> {
      const h = host.toLowerCase();
      let p = cache.get(h);
      if (!p) {
        p = issueLeaf(ca, [h]);
        cache.set(h, p);
        p.catch(() => cache.delete(h));
      }
      return p;
    },
    get size() {
      return cache.size;
    },
  };
}
