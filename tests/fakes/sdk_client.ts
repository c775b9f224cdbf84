/**
 * @module Child-process client for the proxy e2e tests: runs the official SDKs (openai,
 * @anthropic-ai/sdk, @google/genai) with their default fetch, so HTTPS_PROXY + DENO_CERT (proxy
 * mode) or a base URL (base-URL mode) decide the route exactly as for a real user. Prints one JSON
 * line per case: `{case, ok, text?, error?}`.
 *
 * Usage: deno run -A sdk_client.ts <proxy|base> [baseOrigin]
 */
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";

/** API keys the e2e tests look for (they must reach the fakes and never the capture). */
export const TEST_KEYS = {
  openai: "sk-test-openai-SECRETKEY0123456789",
  anthropic: "sk-ant-test-SECRETKEY0123456789",
  gemini: "AIzaTESTSECRETKEY0123456789abcdefghij",
};

async function main(): Promise<void> {
  const mode = Deno.args[0];
  const origin = Deno.args[1] ?? "";
  const label = Deno.args[2] ?? "";
  const base = (prefix: string) =>
    mode === "base" ? `${origin}${label ? `/p/${label}` : ""}/${prefix}` : undefined;
  const openai = new OpenAI({
    apiKey: TEST_KEYS.openai,
    baseURL: mode === "base" ? `${base("openai")}/v1` : undefined,
    maxRetries: 0,
  });
  const anthropic = new Anthropic({
    apiKey: TEST_KEYS.anthropic,
    baseURL: base("anthropic"),
    maxRetries: 0,
  });
  const genai = new GoogleGenAI({
    apiKey: TEST_KEYS.gemini,
    httpOptions: mode === "base" ? { baseUrl: base("gemini") } : undefined,
  });
  const messages = [{ role: "user" as const, content: "Say hi in Portuguese" }];
  const cases: [string, () => Promise<string>][] = [
    ["openai_chat", async () => {
      const r = await openai.chat.completions.create({ model: "gpt-4o-mini", messages });
      return `${r.model}|${r.choices[0].message.content}|${r.usage?.total_tokens}`;
    }],
    ["openai_chat_stream", async () => {
      const s = await openai.chat.completions.create({
        model: "gpt-4o-mini",
        messages,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      let total = 0;
      for await (const c of s) {
        text += c.choices[0]?.delta?.content ?? "";
        if (c.usage) total = c.usage.total_tokens;
      }
      return `${text}|${total}`;
    }],
    ["openai_responses", async () => {
      const r = await openai.responses.create({ model: "gpt-5", input: "Say hi in Portuguese" });
      return `${r.output_text}|${r.usage?.total_tokens}`;
    }],
    ["openai_embeddings", async () => {
      const r = await openai.embeddings.create({ model: "text-embedding-3-small", input: "hello" });
      return `${r.data.length}|${r.usage.prompt_tokens}`;
    }],
    ["anthropic_messages", async () => {
      const r = await anthropic.messages.create({
        model: "claude-sonnet-4-20250514",
        max_tokens: 100,
        messages,
      });
      const t = r.content[0];
      return `${t.type === "text" ? t.text.slice(0, 20) : t.type}|${r.usage.output_tokens}`;
    }],
    ["anthropic_messages_stream", async () => {
      const s = anthropic.messages.stream({
        model: "claude-sonnet-4-20250514",
        max_tokens: 100,
        messages,
      });
      const m = await s.finalMessage();
      const t = m.content[0];
      return `${t.type === "text" ? t.text.slice(0, 20) : t.type}|${m.usage.output_tokens}`;
    }],
    ["anthropic_count_tokens", async () => {
      const r = await anthropic.messages.countTokens({
        model: "claude-sonnet-4-20250514",
        messages,
      });
      return `${r.input_tokens > 0}`;
    }],
    ["gemini_generate", async () => {
      const r = await genai.models.generateContent({
        model: "gemini-2.5-pro",
        contents: "Say hi in Portuguese",
      });
      return `${(r.text ?? "").slice(0, 20)}|${r.usageMetadata?.totalTokenCount}`;
    }],
    ["gemini_generate_stream", async () => {
      const s = await genai.models.generateContentStream({
        model: "gemini-2.5-pro",
        contents: "Say hi in Portuguese",
      });
      let text = "";
      let total = 0;
      for await (const c of s) {
        text += c.text ?? "";
        total = c.usageMetadata?.totalTokenCount ?? total;
      }
      return `${text.slice(0, 20)}|${total}`;
    }],
  ];
  for (const [name, run] of cases) {
    try {
      console.log(JSON.stringify({ case: name, ok: true, text: await run() }));
    } catch (e) {
      console.log(
        JSON.stringify({ case: name, ok: false, error: String((e as Error)?.message ?? e) }),
      );
    }
  }
}

if (import.meta.main) await main();
