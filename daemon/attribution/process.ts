/** @module What attribution needs to know about a client process, per operating system. */
import type { ProcInfo } from "./ide.ts";

/** Looks up the process behind a loopback connection and reads its cwd, env and parents. */
export interface ProcessInspector {
  /**
   * The pid owning the TCP socket whose LOCAL port is `port` (the client end), or null.
   * `address` is the client's address as the proxy saw it (picks the socket family first).
   */
  pidForLocalPort(port: number, address?: string): Promise<number | null>;
  /** The process's working directory, or null when unreadable. */
  cwd(pid: number): Promise<string | null>;
  /** One variable of the process's environment; undefined when the environment is unreadable. */
  env(pid: number, name: string): Promise<string | null | undefined>;
  /** The process and its ancestors (nearest first, at most `max`), with their argv. */
  chain(pid: number, max: number): Promise<ProcInfo[]>;
}

/** An inspector that knows nothing (unsupported systems). */
export const nullInspector: ProcessInspector = {
  pidForLocalPort: () => Promise.resolve(null),
  cwd: () => Promise.resolve(null),
  env: () => Promise.resolve(undefined),
  chain: () => Promise.resolve([]),
};
