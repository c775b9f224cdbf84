/**
 * @module Child-process client for the capture e2e test: the official SDKs with their default
 * fetch and configuration from the environment only (HTTPS_PROXY + DENO_CERT from
 * `halton-meter env`, or OPENAI_BASE_URL / ANTHROPIC_BASE_URL / GOOGLE_GEMINI_BASE_URL from
 * `halton-meter env --base-url`). Each case sends `X-Halton-Project: <case>` and prints one JSON
 * line with the usage the SDK saw, normalised like the daemon (prompt includes cache tokens,
 * completion includes reasoning).
 *
 * Usage: deno run <flags> capture_client.ts <prefix> [case...]
 */
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";

/** API keys the test greps for afterwards: they must never reach the store or the logs. */
export const SECRET_KEYS = {
  openai: "sk-test-openai-CAPTURESECRET0123456789",
  anthropic: "sk-ant-test-CAPTURESECRET0123456789",
  gemini: "AIzaCAPTURESECRETgemini0123456789abcdef",
};

/** What one case reports. */
export interface CaseResult {
  case: string;
  ok: boolean;
  provider?: string;
  model?: string | null;
  prompt_tokens?: number;
  completion_tokens?: number;
  error?: string;
}

type Usage = Omit<CaseResult, "case" | "ok">;

const messages = [{ role: "user" as const, content: "Say hi in Portuguese" }];

function cases(prefix: string): Record<string, () => Promise<Usage>> {
  const h = (name: string) => ({ "X-Halton-Project": `${prefix}-${name.replaceAll("_", "-")}` });
  const openai = (name: string) =>
    new OpenAI({ apiKey: SECRET_KEYS.openai, maxRetries: 0, defaultHeaders: h(name) });
  const anthropic = (name: string) =>
    new Anthropic({ apiKey: SECRET_KEYS.anthropic, maxRetries: 0, defaultHeaders: h(name) });
  const genai = (name: string) =>
    new GoogleGenAI({ apiKey: SECRET_KEYS.gemini, httpOptions: { headers: h(name) } });
  const anthropicUsage = (u: Anthropic.Usage) =>
    u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
  return {
    openai_chat: async () => {
      const r = await openai("openai_chat").chat.completions.create({
        model: "gpt-4o-mini",
        messages,
      });
      return {
        provider: "openai",
        model: r.model,
        prompt_tokens: r.usage!.prompt_tokens,
        completion_tokens: r.usage!.completion_tokens,
      };
    },
    openai_chat_stream: async () => {
      const s = await openai("openai_chat_stream").chat.completions.create({
        model: "gpt-4o-mini",
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      const out: Usage = { provider: "openai" };
      for await (const c of s) {
        out.model = c.model ?? out.model;
        if (c.usage) {
          Object.assign(out, {
            prompt_tokens: c.usage.prompt_tokens,
            completion_tokens: c.usage.completion_tokens,
          });
        }
      }
      return out;
    },
    anthropic_messages: async () => {
      const r = await anthropic("anthropic_messages").messages.create({
        model: "claude-sonnet-4-20250514",
        max_tokens: 100,
        messages,
      });
      return {
        provider: "anthropic",
        model: r.model,
        prompt_tokens: anthropicUsage(r.usage),
        completion_tokens: r.usage.output_tokens,
      };
    },
    anthropic_stream: async () => {
      const m = await anthropic("anthropic_stream").messages.stream({
        model: "claude-sonnet-4-20250514",
        max_tokens: 100,
        messages,
      })
        .finalMessage();
      return {
        provider: "anthropic",
        model: m.model,
        prompt_tokens: anthropicUsage(m.usage),
        completion_tokens: m.usage.output_tokens,
      };
    },
    gemini_generate: async () => {
      const r = await genai("gemini_generate").models.generateContent({
        model: "gemini-2.5-pro",
        contents: "Say hi",
      });
      const u = r.usageMetadata!;
      return {
        provider: "gemini",
        model: r.modelVersion ?? "gemini-2.5-pro",
        prompt_tokens: u.promptTokenCount ?? 0,
        completion_tokens: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0),
      };
    },
    gemini_stream: async () => {
      const s = await genai("gemini_stream").models.generateContentStream({
        model: "gemini-2.5-pro",
        contents: "Say hi",
      });
      const out: Usage = { provider: "gemini", model: "gemini-2.5-pro" };
      for await (const c of s) {
        const u = c.usageMetadata;
        out.model = c.modelVersion ?? out.model;
        if (u) {
          out.prompt_tokens = u.promptTokenCount ?? 0;
          out.completion_tokens = (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0);
        }
      }
      return out;
    },
  };
}

if (import.meta.main) {
  const [prefix, ...names] = Deno.args;
  const all = cases(prefix);
  for (const name of names.length ? names : Object.keys(all)) {
    try {
      console.log(JSON.stringify({ case: name, ok: true, ...(await all[name]()) }));
    } catch (e) {
      console.log(
        JSON.stringify({ case: name, ok: false, error: String((e as Error)?.message ?? e) }),
      );
    }
  }
}
