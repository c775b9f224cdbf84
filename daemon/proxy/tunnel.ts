/**
 * @module Byte pumps between raw Deno connections: the splice from the front to the internal
 * terminator and the blind TCP tunnel for hosts that are never decrypted.
 */

/** Writes all of `data` to `conn`. */
export async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

/** Copies `src` into `dst` until EOF, then half-closes `dst`. Resolves on EOF or any error. */
async function pump(src: Deno.Conn, dst: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  try {
    while (true) {
      const n = await src.read(buf);
      if (n === null) break;
      await writeAll(dst, buf.subarray(0, n));
    }
    await dst.closeWrite().catch(() => {});
  } catch {
    // A reset on either side ends this direction; the other side is closed by `splice`.
    try {
      dst.close();
    } catch { /* already closed */ }
  }
}

/**
 * Pipes two connections both ways until both directions are done, then closes both.
 * `head` is sent to `b` first (bytes the front already read past the request head).
 */
export async function splice(a: Deno.Conn, b: Deno.Conn, head?: Uint8Array): Promise<void> {
  try {
    if (head && head.length > 0) await writeAll(b, head);
  } catch {
    closeQuietly(a);
    closeQuietly(b);
    return;
  }
  await Promise.all([pump(a, b), pump(b, a)]);
  closeQuietly(a);
  closeQuietly(b);
}

/** Closes a connection, ignoring "already closed". */
export function closeQuietly(c: Deno.Conn): void {
  try {
    c.close();
  } catch { /* already closed */ }
}

/** Sets TCP_NODELAY where the connection supports it. */
export function noDelay(c: Deno.Conn): void {
  try {
    (c as Deno.TcpConn).setNoDelay(true);
  } catch { /* not TCP */ }
}
