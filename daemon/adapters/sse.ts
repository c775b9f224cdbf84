/**
 * @module Incremental decoders for response bodies: Server-Sent Events and streamed JSON
 * (a single object, a JSON array of objects, or concatenated/JSONL objects). Bytes may be split at
 * ANY boundary: inside a multi-byte UTF-8 character, between `\r` and `\n`, inside a field name.
 */

/** One dispatched SSE event. */
export interface SseEvent {
  /** The `event:` field, or "message". */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
}

/**
 * An SSE decoder (per the WHATWG EventSource rules): `\n`, `\r\n` and `\r` line endings, `:`
 * comments (`: keep-alive`), blank lines dispatch, multi-line `data:` joined, one leading space of a
 * value stripped. Events without data are dropped.
 */
export class SseDecoder {
  #text = new TextDecoder("utf-8");
  #pending = "";
  #skipLf = false;
  #event = "";
  #data: string[] = [];
  #onEvent: (ev: SseEvent) => void;

  constructor(onEvent: (ev: SseEvent) => void) {
    this.#onEvent = onEvent;
  }

  /** Feeds raw bytes. */
  push(bytes: Uint8Array): void {
    this.pushText(this.#text.decode(bytes, { stream: true }));
  }

  /** Feeds already decoded text. */
  pushText(text: string): void {
    if (text.length === 0) return;
    let s = this.#pending + text;
    let start = 0;
    if (this.#skipLf) {
      this.#skipLf = false;
      if (s.charCodeAt(0) === 10) start = 1;
    }
    const n = s.length;
    // Next positions of \n and \r, recomputed only when passed (keeps the scan linear).
    let lf = -2;
    let cr = -2;
    while (start < n) {
      if (lf !== -1 && lf < start) lf = s.indexOf("\n", start);
      if (cr !== -1 && cr < start) cr = s.indexOf("\r", start);
      let nl = lf;
      if (cr !== -1 && (nl === -1 || cr < nl)) nl = cr;
      if (nl === -1) break;
      this.#line(s.slice(start, nl));
      if (s.charCodeAt(nl) === 13) {
        if (nl + 1 < n) {
          if (s.charCodeAt(nl + 1) === 10) nl++;
        } else {
          this.#skipLf = true;
        }
      }
      start = nl + 1;
    }
    s = start >= n ? "" : s.slice(start);
    this.#pending = s;
  }

  /** Ends the stream: flushes a trailing partial UTF-8 sequence and an unterminated last event. */
  end(): void {
    const rest = this.#text.decode();
    if (rest) this.pushText(rest);
    if (this.#pending) {
      this.#line(this.#pending);
      this.#pending = "";
    }
    this.#dispatch();
  }

  #line(line: string): void {
    if (line.length === 0) return this.#dispatch();
    if (line.charCodeAt(0) === 58) return; // ":" comment
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
  }

  #dispatch(): void {
    if (this.#data.length > 0) {
      const data = this.#data.length === 1 ? this.#data[0] : this.#data.join("\n");
      this.#data = [];
      const event = this.#event || "message";
      this.#event = "";
      this.#onEvent({ event, data });
    } else {
      this.#event = "";
    }
  }
}

/** Largest single JSON object buffered (characters); bigger bodies are not parsed. */
export const MAX_OBJECT_CHARS = 64 * 1024 * 1024;

/**
 * Splits streamed JSON into top-level objects: a single object, a JSON array of objects (Gemini's
 * non-SSE streaming), or concatenated objects / JSONL. Leading blank lines are ignored. Objects are
 * emitted as text as soon as they close, so a cut stream still yields every complete object.
 */
export class JsonObjectSplitter {
  #text = new TextDecoder("utf-8");
  #buf = "";
  #depth = 0;
  #emitDepth = -1;
  #inString = false;
  #escape = false;
  #onObject: (json: string) => void;
  /** True when an object exceeded the size cap and the rest of the body was ignored. */
  overflowed = false;
  /** True once any non-whitespace character was seen. */
  sawContent = false;
  /** The first characters of the body (for error messages of non-JSON bodies). */
  head = "";

  constructor(onObject: (json: string) => void) {
    this.#onObject = onObject;
  }

  /** Feeds raw bytes. */
  push(bytes: Uint8Array): void {
    this.pushText(this.#text.decode(bytes, { stream: true }));
  }

  /** Feeds decoded text. */
  pushText(s: string): void {
    if (this.#emitDepth === -2) return;
    if (this.head.length < 300) this.head += s.slice(0, 300 - this.head.length);
    let objStart = this.#depth > this.#emitDepth && this.#emitDepth >= 0 ? 0 : -1;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (this.#inString) {
        if (this.#escape) this.#escape = false;
        else if (c === 92) this.#escape = true;
        else if (c === 34) this.#inString = false;
        continue;
      }
      if (c === 34) {
        this.#inString = true;
      } else if (c === 123 || c === 91) { // { [
        this.sawContent = true;
        if (this.#emitDepth < 0) this.#emitDepth = c === 91 ? 1 : 0;
        if (c === 123 && this.#depth === this.#emitDepth) objStart = i;
        this.#depth++;
      } else if (c === 125 || c === 93) { // } ]
        this.#depth--;
        if (c === 125 && this.#depth === this.#emitDepth && objStart !== -1) {
          this.#onObject(this.#buf + s.slice(objStart, i + 1));
          this.#buf = "";
          objStart = -1;
        }
        if (this.#depth <= 0) {
          this.#depth = 0;
          this.#emitDepth = -1;
        }
      } else if (c > 32 && c !== 44) {
        this.sawContent = true;
      }
    }
    if (objStart !== -1) {
      this.#buf += s.slice(objStart);
      if (this.#buf.length > MAX_OBJECT_CHARS) {
        // A single object this large is not a usage carrier we can afford to hold: drop it.
        this.#buf = "";
        this.overflowed = true;
        this.#depth = 0;
        this.#emitDepth = -2; // ignore the rest of the body
      }
    }
  }

  /** Flushes a trailing partial UTF-8 sequence. */
  end(): void {
    const rest = this.#text.decode();
    if (rest) this.pushText(rest);
  }
}
