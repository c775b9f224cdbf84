/** @module Paths under the home directory (`HALTON_METER_HOME`, default `~/.halton-meter`). */
import { join } from "node:path";

/** Every file the daemon keeps, under one home directory. */
export interface HomePaths {
  dir: string;
  config: string;
  machine: string;
  caCert: string;
  caKey: string;
  caBundle: string;
  db: string;
  pid: string;
  runtime: string;
  log: string;
  errLog: string;
  cloudCredentials: string;
  cloudKey: string;
}

/** Resolves the home directory from the environment. */
export function homeDir(env: { get(k: string): string | undefined } = Deno.env): string {
  const explicit = env.get("HALTON_METER_HOME");
  if (explicit) return explicit;
  const home = env.get("HOME") ?? env.get("USERPROFILE") ?? ".";
  return join(home, ".halton-meter");
}

/** All paths for a home directory. */
export function homePaths(dir: string = homeDir()): HomePaths {
  return {
    dir,
    config: join(dir, "config.toml"),
    machine: join(dir, "machine.json"),
    caCert: join(dir, "ca.pem"),
    caKey: join(dir, "ca.key"),
    caBundle: join(dir, "ca-bundle.pem"),
    db: join(dir, "db.sqlite"),
    pid: join(dir, "daemon.pid"),
    runtime: join(dir, "daemon.json"),
    log: join(dir, "daemon.log"),
    errLog: join(dir, "daemon.err.log"),
    cloudCredentials: join(dir, "cloud-credentials.json"),
    cloudKey: join(dir, "cloud.key"),
  };
}
