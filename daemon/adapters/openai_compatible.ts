/**
 * @module OpenAI-compatible providers: xAI (reasoning OUTSIDE completion_tokens), Groq (repeats
 * usage: never summed), Mistral, DeepSeek (cache hit/miss, `: keep-alive` comments, leading blank
 * lines), and any host listed in `[proxy] intercept_hosts`.
 */
import type { Adapter } from "./types.ts";
import { openAiStyleAdapter } from "./openai.ts";

/** xAI (api.x.ai). Stream usage is injected like OpenAI's. */
export const xaiAdapter: Adapter = openAiStyleAdapter({
  flavour: { provider: "xai", reasoningOutsideCompletion: true },
  hosts: (h) => h === "api.x.ai",
  routePrefix: "xai",
  injectUsage: true,
});

/** Groq (api.groq.com/openai/v1). */
export const groqAdapter: Adapter = openAiStyleAdapter({
  flavour: { provider: "groq" },
  hosts: (h) => h === "api.groq.com",
  routePrefix: "groq",
  injectUsage: true,
});

/**
 * Mistral (api.mistral.ai). Its streams carry usage in the last chunk without being asked, and its
 * API is not documented to accept `stream_options`, so the body is never rewritten (capture must
 * never break traffic).
 */
export const mistralAdapter: Adapter = openAiStyleAdapter({
  flavour: { provider: "mistral" },
  hosts: (h) => h === "api.mistral.ai",
  routePrefix: "mistral",
  injectUsage: false,
});

/** DeepSeek (api.deepseek.com, with or without `/v1`). */
export const deepseekAdapter: Adapter = openAiStyleAdapter({
  flavour: { provider: "deepseek" },
  hosts: (h) => h === "api.deepseek.com",
  routePrefix: "deepseek",
  injectUsage: true,
});

/** Any extra host from config, read as an OpenAI-compatible API (provider `openai_compatible`). */
export function extraHostsAdapter(extraHosts: readonly string[]): Adapter {
  const set = new Set(
    extraHosts.map((h) => h.trim().toLowerCase().replace(/:\d+$/, "")).filter(Boolean),
  );
  return openAiStyleAdapter({
    flavour: { provider: "openai_compatible" },
    hosts: (h) => set.has(h),
    routePrefix: null,
    injectUsage: true,
  });
}
