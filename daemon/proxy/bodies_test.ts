/**
 * @module Tests for request bodies as the proxy forwards them: a body that arrived whole with its
 * head is forwarded as bytes, one still arriving is streamed (nothing waits for missing bytes),
 * and both are captured up to the cap with every byte counted.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { bodyOf, Capture } from "./bodies.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** One request on a real node:http server; `onRequest` sees it the way the terminator does. */
async function withRequest(
  onRequest: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>,
  client: (conn: Deno.Conn) => Promise<void>,
): Promise<void> {
  let handled!: Promise<void>;
  const server = http.createServer((req, res) => {
    handled = onRequest(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: (server.address() as AddressInfo).port,
  });
  try {
    await client(conn);
    const buf = new Uint8Array(4096);
    while ((await conn.read(buf)) !== null) { /* until the server closes */ }
    await handled;
  } finally {
    conn.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

async function readAll(s: ReadableStream<Uint8Array>): Promise<string> {
  let out = "";
  for await (const c of s) out += dec.decode(c, { stream: true });
  return out;
}

const head = (len: number) =>
  `POST /v1/chat HTTP/1.1\r\nhost: x\r\ncontent-length: ${len}\r\nconnection: close\r\n\r\n`;

Deno.test("bodyOf forwards a whole body as bytes and streams one still arriving", async (t) => {
  await t.step("head and body in one write: the bytes themselves, captured", async () => {
    const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] });
    let got: Uint8Array | ReadableStream<Uint8Array> | null = null;
    const cap = new Capture(1 << 20);
    await withRequest(async (req, res) => {
      got = await bodyOf(req, cap);
      res.end("ok");
    }, async (conn) => {
      await conn.write(enc.encode(head(body.length) + body));
    });
    assert.ok(got! instanceof Uint8Array, "a complete body is not wrapped in a stream");
    assert.equal(dec.decode(got), body);
    assert.equal(dec.decode(cap.bytes()), body);
    assert.equal(cap.total, body.length);
  });

  await t.step("body still arriving: a stream that yields it all once it is sent", async () => {
    const first = "a".repeat(100);
    const rest = "b".repeat(50);
    const cap = new Capture(120);
    let text = "";
    let wasStream = false;
    let release!: () => void;
    const sendRest = new Promise<void>((r) => (release = r));
    await withRequest(async (req, res) => {
      const b = await bodyOf(req, cap);
      wasStream = b instanceof ReadableStream;
      release(); // the rest of the body is sent only after bodyOf returned
      if (b instanceof ReadableStream) text = await readAll(b);
      res.end("ok");
    }, async (conn) => {
      await conn.write(enc.encode(head(first.length + rest.length) + first));
      await sendRest;
      await conn.write(enc.encode(rest));
    });
    assert.ok(wasStream, "bodyOf did not wait for bytes that had not arrived");
    assert.equal(text, first + rest);
    assert.equal(cap.total, 150);
    assert.ok(cap.truncated);
    assert.equal(dec.decode(cap.bytes()), (first + rest).slice(0, 120));
  });
});
