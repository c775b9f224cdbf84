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
  /** Connection-keyed lookups, where the system has them (Linux). */
  sockets?: SocketLookup;
}

/**
 * Finds a client through its connection's socket inode, which identifies that one connection
 * for its whole life (a source port does not: a later connection can reuse it). The synchronous
 * methods are meant for request time, while the client is surely alive.
 */
export interface SocketLookup {
  /**
   * The socket inode of the loopback connection from `address`:`port` to one of this process's
   * listeners, by an exact kernel lookup (microseconds). Null: no such connection; undefined:
   * cannot tell quickly (use `inode`).
   */
  inodeNow(port: number, address: string): number | null | undefined;
  /** The same from the socket tables (slow: milliseconds). */
  inode(port: number, address: string): Promise<number | null>;
  /** The owner among the newest and recently seen processes (bounded, synchronous), or null. */
  quickOwner(inode: number): number | null;
  /** The owner by a scan of every process (asynchronous, yields), or null. */
  owner(inode: number): Promise<number | null>;
  /**
   * Reads now what `cwd`, `env` and `chain` will be asked, so they still answer after the
   * process exits. Returns the process's identity (`pid@start time`), null when it is gone.
   */
  pin(pid: number): string | null;
}

/** An inspector that knows nothing (unsupported systems). */
export const nullInspector: ProcessInspector = {
  pidForLocalPort: () => Promise.resolve(null),
  cwd: () => Promise.resolve(null),
  env: () => Promise.resolve(undefined),
  chain: () => Promise.resolve([]),
};
