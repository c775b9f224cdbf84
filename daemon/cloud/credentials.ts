/**
 * @module Cloud secrets on disk: `cloud-credentials.json` (the raw token, 0600), `cloud.key` (a
 * Fernet key, 0600) that encrypts the copy of the token kept in SQLite, and the machine id.
 */
import fernet from "fernet";
import type { HomePaths } from "../home.ts";
import { err, ok, type Result } from "../../shared/result.ts";

/** What `cloud-credentials.json` holds. */
export interface CloudCredentials {
  token: string;
  base_url: string;
  workspace_id: string;
  machine_id: string;
  created_at: string;
}

interface FernetLib {
  Secret: new (key: string) => unknown;
  Token: new (opts: { secret: unknown; ttl: number; token?: string }) => {
    encode(msg: string): string;
    decode(tok?: string): string;
  };
}
const F = fernet as unknown as FernetLib;

/** Writes a file readable only by its owner (0600), atomically (temp file then rename). */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${crypto.randomUUID()}`;
  await Deno.writeTextFile(tmp, text, { mode: 0o600 });
  await Deno.chmod(tmp, 0o600).catch(() => {}); // umask-proof; no-op where unsupported
  await Deno.rename(tmp, path);
}

/** A new Fernet key: 32 random bytes, URL-safe base64. */
export function newFernetKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
}

/** Encrypts text with a Fernet key. */
export function fernetEncrypt(key: string, text: string): string {
  const secret = new F.Secret(key);
  return new F.Token({ secret, ttl: 0 }).encode(text);
}

/** Decrypts a Fernet token; an error when the key is wrong or the token was altered. */
export function fernetDecrypt(key: string, token: string): Result<string, string> {
  try {
    const secret = new F.Secret(key);
    const out = new F.Token({ secret, ttl: 0, token }).decode();
    return ok(out);
  } catch (e) {
    return err(`Cannot decrypt the stored API key: ${(e as Error).message}`);
  }
}

/** Reads `cloud.key`, creating it (0600) when missing. */
export async function ensureCloudKey(paths: HomePaths): Promise<string> {
  try {
    const k = (await Deno.readTextFile(paths.cloudKey)).trim();
    if (k) return k;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const key = newFernetKey();
  await writePrivateFile(paths.cloudKey, key + "\n");
  return key;
}

/** Reads `cloud.key`, or null. */
export async function readCloudKey(paths: HomePaths): Promise<string | null> {
  try {
    return (await Deno.readTextFile(paths.cloudKey)).trim() || null;
  } catch {
    return null;
  }
}

/** Writes `cloud-credentials.json` (0600). */
export async function writeCredentials(paths: HomePaths, c: CloudCredentials): Promise<void> {
  await writePrivateFile(paths.cloudCredentials, JSON.stringify(c, null, 2) + "\n");
}

/** Reads `cloud-credentials.json`, or null when missing or unreadable. */
export async function readCredentials(paths: HomePaths): Promise<CloudCredentials | null> {
  try {
    const v = JSON.parse(await Deno.readTextFile(paths.cloudCredentials));
    return typeof v?.token === "string" ? v as CloudCredentials : null;
  } catch {
    return null;
  }
}

/** Removes both secret files; true when something was removed. */
export async function removeCloudFiles(paths: HomePaths): Promise<boolean> {
  let removed = false;
  for (const p of [paths.cloudCredentials, paths.cloudKey]) {
    try {
      await Deno.remove(p);
      removed = true;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return removed;
}

/**
 * The machine id from `machine.json` (`{"machine_id": "<uuid>"}`), created when missing. It
 * survives disconnect, so re-pairing keeps the same machine id.
 */
export async function ensureMachineId(paths: HomePaths): Promise<string> {
  try {
    const v = JSON.parse(await Deno.readTextFile(paths.machine));
    const id = v?.machine_id ?? v?.id;
    if (typeof id === "string" && id.length >= 8) return id;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound) && !(e instanceof SyntaxError)) throw e;
  }
  const id = crypto.randomUUID();
  await Deno.mkdir(paths.dir, { recursive: true });
  await Deno.writeTextFile(
    paths.machine,
    JSON.stringify({ machine_id: id, created_at: new Date().toISOString() }, null, 2) + "\n",
  );
  return id;
}

/** This machine's hostname, or "unknown". */
export function currentHostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}
