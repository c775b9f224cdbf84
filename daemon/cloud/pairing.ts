/**
 * @module Pairing (RFC 8628 device grant) run inside the daemon: start, poll, cancel, and on
 * approval write `cloud-credentials.json`, `cloud.key`, the `[cloud]` block of config.toml and
 * the `cloud_state` row. One pairing at a time: a new one cancels the previous on the backend.
 */
import type { HomePaths } from "../home.ts";
import type { Logger } from "../log.ts";
import type { Store } from "../store/store.ts";
import { savePairing } from "../store/cloud.ts";
import { VERSION } from "../version.ts";
import type { WorkspaceRef } from "../../shared/schemas/workspace.ts";
import type { CloudPairing } from "../../shared/schemas/cloud_status.ts";
import { err, ok, type Result } from "../../shared/result.ts";
import { CloudClient, describeFailure, normaliseBaseUrl } from "./client.ts";
import {
  currentHostname,
  ensureCloudKey,
  ensureMachineId,
  fernetEncrypt,
  writeCredentials,
} from "./credentials.ts";
import { editConfigFile } from "./config_edit.ts";

/** Writes everything a successful pairing leaves behind. */
export async function completePairing(
  paths: HomePaths,
  store: Store,
  p: {
    token: string;
    workspace: WorkspaceRef;
    base_url: string;
    machine_id: string;
    hostname: string;
  },
): Promise<Result<void, string>> {
  const base_url = normaliseBaseUrl(p.base_url);
  const key = await ensureCloudKey(paths);
  await writeCredentials(paths, {
    token: p.token,
    base_url,
    workspace_id: p.workspace.id,
    machine_id: p.machine_id,
    created_at: new Date().toISOString(),
  });
  savePairing(store, {
    api_key_ciphertext: fernetEncrypt(key, p.token),
    base_url,
    workspace_id: p.workspace.id,
    workspace_slug: p.workspace.slug,
    workspace_name: p.workspace.name,
    workspace_tier: p.workspace.tier,
    machine_id: p.machine_id,
    hostname: p.hostname,
  });
  const r = await editConfigFile(paths.config, [
    { table: ["cloud"], key: "enabled", value: true },
    { table: ["cloud"], key: "base_url", value: base_url },
    { table: ["cloud"], key: "workspace_id", value: p.workspace.id },
  ]);
  return r.ok ? ok(undefined) : err(r.error);
}

/** Options for one pairing. */
export interface PairingOptions {
  baseUrl: string;
  pollIntervalSeconds?: number;
  timeoutSeconds?: number;
}

interface Job {
  client: CloudClient;
  pairing_id: string;
  poll_secret: string;
  view: CloudPairing;
  stop: AbortController;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/** Runs pairings for the daemon. */
export class PairingManager {
  #job: Job | null = null;
  #paths: HomePaths;
  #store: Store;
  #logger: Logger;
  #onPaired: () => void;
  #fetch?: typeof fetch;

  constructor(deps: {
    paths: HomePaths;
    store: Store;
    logger: Logger;
    onPaired: () => void;
    fetch?: typeof fetch;
  }) {
    this.#paths = deps.paths;
    this.#store = deps.store;
    this.#logger = deps.logger;
    this.#onPaired = deps.onPaired;
    this.#fetch = deps.fetch;
  }

  /** The pairing in flight or last finished, or null. */
  get current(): CloudPairing | null {
    return this.#job ? { ...this.#job.view } : null;
  }

  /** Starts a pairing, cancelling any previous one first. */
  async start(opts: PairingOptions): Promise<Result<CloudPairing, string>> {
    await this.cancel();
    const machine_id = await ensureMachineId(this.#paths);
    const hostname = currentHostname();
    const client = new CloudClient({
      baseUrl: opts.baseUrl,
      userAgent: `halton-meter/${VERSION}`,
      fetch: this.#fetch,
    });
    const r = await client.pairingStart({ machine_id, hostname, daemon_version: VERSION });
    if (!r.ok) {
      return err(`Cannot start pairing with ${client.baseUrl}: ${describeFailure(r.error)}`);
    }
    const s = r.value;
    const timeoutS = Math.min(s.expires_in, opts.timeoutSeconds ?? s.expires_in);
    const job: Job = {
      client,
      pairing_id: s.pairing_id,
      poll_secret: s.poll_secret,
      stop: new AbortController(),
      view: {
        status: "pending",
        code: s.code,
        approve_url: s.approve_url,
        expires_at: new Date(Date.now() + timeoutS * 1000).toISOString(),
        error: null,
        workspace_name: null,
      },
    };
    this.#job = job;
    const interval = Math.max(s.interval, opts.pollIntervalSeconds ?? s.interval);
    this.#poll(job, interval, timeoutS, machine_id, hostname).catch((e) => {
      job.view = { ...job.view, status: "failed", error: (e as Error).message };
      this.#logger.error("cloud pairing failed", { error: e });
    });
    this.#logger.info("cloud pairing started", { base_url: client.baseUrl, code: s.code });
    return ok({ ...job.view });
  }

  async #poll(
    job: Job,
    intervalS: number,
    timeoutS: number,
    machine_id: string,
    hostname: string,
  ): Promise<void> {
    const deadline = Date.now() + timeoutS * 1000;
    let interval = intervalS;
    while (!job.stop.signal.aborted) {
      await sleep(interval * 1000, job.stop.signal);
      if (job.stop.signal.aborted) return;
      if (Date.now() >= deadline) {
        await job.client.pairingCancel({
          pairing_id: job.pairing_id,
          poll_secret: job.poll_secret,
        });
        job.view = {
          ...job.view,
          status: "expired",
          error: "the code expired before it was approved",
        };
        return;
      }
      const r = await job.client.pairingPoll({
        pairing_id: job.pairing_id,
        poll_secret: job.poll_secret,
      });
      if (job.stop.signal.aborted) return;
      if (!r.ok) {
        job.view = { ...job.view, error: describeFailure(r.error) }; // keep trying until the deadline
        continue;
      }
      const p = r.value;
      if (p.status === "pending") continue;
      if (p.status === "slow_down") {
        interval = Math.max(interval + 1, p.interval);
        continue;
      }
      if (p.status === "approved") {
        const done = await completePairing(this.#paths, this.#store, {
          token: p.token,
          workspace: p.workspace,
          base_url: job.client.baseUrl,
          machine_id,
          hostname,
        });
        if (!done.ok) {
          job.view = { ...job.view, status: "failed", error: done.error };
          return;
        }
        job.view = {
          ...job.view,
          status: "approved",
          error: null,
          workspace_name: p.workspace.name,
        };
        this.#logger.info("cloud paired", { workspace: p.workspace.slug });
        this.#onPaired();
        return;
      }
      const status = p.status === "consumed" ? "failed" : p.status;
      job.view = {
        ...job.view,
        status,
        error: p.status === "consumed" ? "the token was already collected by another poll" : null,
      };
      return;
    }
  }

  /** Cancels the pairing in flight (also on the backend); answers its final view. */
  async cancel(): Promise<CloudPairing | null> {
    const job = this.#job;
    if (!job) return null;
    if (job.view.status === "pending") {
      job.stop.abort();
      job.view = { ...job.view, status: "cancelled" };
      await job.client.pairingCancel({ pairing_id: job.pairing_id, poll_secret: job.poll_secret });
      this.#logger.info("cloud pairing cancelled", { code: job.view.code });
    }
    return { ...job.view };
  }

  /** Stops polling (daemon shutdown), cancelling a pending pairing on the backend. */
  async close(): Promise<void> {
    await this.cancel();
  }
}
