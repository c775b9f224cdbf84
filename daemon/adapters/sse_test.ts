/** @module SSE and streamed-JSON decoders: every framing rule, split at every byte offset. */
import { deepStrictEqual } from "node:assert/strict";
import { JsonObjectSplitter, SseDecoder, type SseEvent } from "./sse.ts";

const enc = new TextEncoder();

function decode(chunks: Uint8Array[]): SseEvent[] {
  const out: SseEvent[] = [];
  const d = new SseDecoder((e) => out.push(e));
  for (const c of chunks) d.push(c);
  d.end();
  return out;
}

function everySplit(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [[bytes], Array.from(bytes, (_, i) => bytes.subarray(i, i + 1))];
  for (let i = 0; i <= bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  for (let i = 0; i + 3 <= bytes.length; i += 3) {
    out.push([bytes.subarray(0, i), bytes.subarray(i, i + 3), bytes.subarray(i + 3)]);
  }
  return out;
}

const CASES: { name: string; input: string; want: SseEvent[] }[] = [
  {
    name: "LF separators with event names",
    input: 'event: a\ndata: {"x":1}\n\nevent: b\ndata: 2\n\n',
    want: [{ event: "a", data: '{"x":1}' }, { event: "b", data: "2" }],
  },
  {
    name: "CRLF separators (Gemini)",
    input: 'data: {"t":"olá"}\r\n\r\ndata: {"t":"ç"}\r\n\r\n',
    want: [{ event: "message", data: '{"t":"olá"}' }, { event: "message", data: '{"t":"ç"}' }],
  },
  {
    name: "CR-only separators",
    input: "data: 1\r\rdata: 2\r\r",
    want: [{ event: "message", data: "1" }, { event: "message", data: "2" }],
  },
  {
    name: "comments and keep-alives and extra blank lines (DeepSeek)",
    input: ": keep-alive\n\n\n\ndata: x\n: keep-alive\n\n:\n\ndata: [DONE]\n\n",
    want: [{ event: "message", data: "x" }, { event: "message", data: "[DONE]" }],
  },
  {
    name: "multi-line data joined with LF",
    input: 'data: {"a":\ndata: 1}\n\n',
    want: [{ event: "message", data: '{"a":\n1}' }],
  },
  {
    name: "no space after colon, field without colon, unknown fields",
    input: "id: 7\nretry: 10\ndata:abc\ndata\n\n",
    want: [{ event: "message", data: "abc\n" }],
  },
  {
    name: "last event without trailing blank line is still dispatched at end",
    input: "data: 1\n\ndata: tail",
    want: [{ event: "message", data: "1" }, { event: "message", data: "tail" }],
  },
  {
    name: "multi-byte UTF-8 (4-byte emoji) survives any split",
    input: 'data: {"t":"😄 ação"}\n\n',
    want: [{ event: "message", data: '{"t":"😄 ação"}' }],
  },
];

Deno.test("SseDecoder", async (t) => {
  for (const c of CASES) {
    await t.step(c.name, () => {
      for (const chunks of everySplit(enc.encode(c.input))) {
        deepStrictEqual(decode(chunks), c.want, `chunks ${chunks.map((x) => x.length).join("+")}`);
      }
    });
  }
});

const JSON_CASES: { name: string; input: string; want: unknown[] }[] = [
  { name: "single object", input: '{"a":1,"b":{"c":[1,2]}}', want: [{ a: 1, b: { c: [1, 2] } }] },
  { name: "leading blank lines (DeepSeek under load)", input: '\n\n  \n{"a":1}', want: [{ a: 1 }] },
  {
    name: "JSON-array framing with CRLF (Gemini without alt=sse)",
    input: '[{"a":"}{"},\r\n{"b":"\\"]"}\r\n]',
    want: [{ a: "}{" }, { b: '"]' }],
  },
  { name: "JSONL", input: '{"a":1}\n{"a":2}\n', want: [{ a: 1 }, { a: 2 }] },
  {
    name: "truncated array yields complete objects only",
    input: '[{"a":1},{"a":2',
    want: [{ a: 1 }],
  },
];

Deno.test("JsonObjectSplitter", async (t) => {
  for (const c of JSON_CASES) {
    await t.step(c.name, () => {
      for (const chunks of everySplit(enc.encode(c.input))) {
        const got: unknown[] = [];
        const s = new JsonObjectSplitter((j) => got.push(JSON.parse(j)));
        for (const ch of chunks) s.push(ch);
        s.end();
        deepStrictEqual(got, c.want);
      }
    });
  }
});
