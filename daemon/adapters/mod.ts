/**
 * @module Provider adapters: pure parsing of finished (or streaming) exchanges into normalised usage,
 * plus stream-usage injection. Capture uses `createRegistry` and the adapter it finds.
 */
export type { Adapter, StreamParser } from "./types.ts";
export { type AdapterRegistry, BUILTIN_ADAPTERS, createRegistry } from "./registry.ts";
export { anthropicAdapter } from "./anthropic.ts";
export { geminiAdapter } from "./gemini.ts";
export { injectStreamUsage, openaiAdapter } from "./openai.ts";
export {
  deepseekAdapter,
  extraHostsAdapter,
  groqAdapter,
  mistralAdapter,
  xaiAdapter,
} from "./openai_compatible.ts";
export { JsonObjectSplitter, SseDecoder, type SseEvent } from "./sse.ts";
