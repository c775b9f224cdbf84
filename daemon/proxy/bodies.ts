/**
 * @module Request and response bodies as they pass the proxy: a capped capture buffer (counts
 * every byte, keeps at most `max_body_bytes`), the streamed request body (or its bytes when it
 * already arrived whole with the head), and the small-body buffering used only when a hook asked
 * to rewrite the request.
 */
import type { IncomingMessage } from "node:http";

/** Accumulates up to `max` bytes of a body, counting all of it. */
export class Capture {
  parts: Uint8Array[] = [];
  kept = 0;
  total = 0;
  constructor(private max: number) {}
  add(b: Uint8Array): void {
    this.total += b.length;
    if (this.kept >= this.max) return;
    const take = Math.min(b.length, this.max - this.kept);
    this.parts.push(take === b.length ? b : b.subarray(0, take));
    this.kept += take;
  }
  get truncated(): boolean {
    return this.total > this.kept;
  }
  bytes(): Uint8Array {
    if (this.parts.length === 1) return this.parts[0];
    const out = new Uint8Array(this.kept);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/** The request body as a stream that records what passes (up to the cap). */
export function streamBody(req: IncomingMessage, cap: Capture): ReadableStream<Uint8Array> {
  const it = req[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const r = await it.next();
        if (r.done) return controller.close();
        const b = r.value as Uint8Array;
        cap.add(b);
        controller.enqueue(b);
      } catch (e) {
        controller.error(e);
      }
    },
    cancel() {
      req.destroy();
    },
  }, { highWaterMark: 0 });
}

/**
 * The request body to forward: when the whole body already arrived with the head (the common
 * small JSON request), the bytes themselves, which `fetch` sends in one write with a
 * content-length; otherwise a stream (never waits for bytes that have not arrived yet).
 */
export async function bodyOf(
  req: IncomingMessage,
  cap: Capture,
): Promise<Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>> {
  // One microtask: the parser finishes the socket chunk that carried the head (and maybe the body).
  await null;
  if (!req.complete || req.readableFlowing) return streamBody(req, cap);
  const parts: Uint8Array[] = [];
  let size = 0;
  for (let c = req.read() as Uint8Array | null; c !== null; c = req.read() as Uint8Array | null) {
    parts.push(c);
    size += c.length;
  }
  let whole: Uint8Array;
  if (parts.length === 1) whole = parts[0];
  else {
    whole = new Uint8Array(size);
    let o = 0;
    for (const p of parts) {
      whole.set(p, o);
      o += p.length;
    }
  }
  cap.add(whole);
  return whole as Uint8Array<ArrayBuffer>;
}

/** Buffers a small body for `rewriteRequestBody`; falls back to streaming past the cap. */
export async function bufferForRewrite(
  req: IncomingMessage,
  maxBytes: number,
  cap: Capture,
  outgoing: Headers,
  rewrite: (body: Uint8Array) => Uint8Array | null,
): Promise<BodyInit> {
  const it = req[Symbol.asyncIterator]();
  const parts: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const r = await it.next();
    if (r.done) break;
    const b = r.value as Uint8Array;
    parts.push(b);
    size += b.length;
    if (size > maxBytes) {
      // Too large to rewrite: forward what was read, then the rest, as one stream.
      for (const p of parts) cap.add(p);
      let i = 0;
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (i < parts.length) return controller.enqueue(parts[i++]);
          const n = await it.next();
          if (n.done) return controller.close();
          cap.add(n.value as Uint8Array);
          controller.enqueue(n.value as Uint8Array);
        },
      }, { highWaterMark: 0 });
    }
  }
  const whole = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    whole.set(p, o);
    o += p.length;
  }
  const out = rewrite(whole) ?? whole;
  cap.add(out);
  outgoing.delete("content-length");
  return out as Uint8Array<ArrayBuffer>;
}
