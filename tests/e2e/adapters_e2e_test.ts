/**
 * @module End to end for adapters + pricing: the official SDKs (openai, @anthropic-ai/sdk,
 * @google/genai) call a real daemon (started by the CLI) in base-URL mode; its upstreams are the
 * local HTTPS fakes replaying the recorded provider bodies. Every stored row must carry the exact
 * tokens of the recording and the cost EXPECTED.json gives (rounded once, half up), and a stream
 * the client sent without include_usage must still be priced (usage injected by the proxy) — or be
 * `missing` with a null cost when `[capture] inject_stream_usage = false`.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import { startFakeProviders } from "../fakes/mod.ts";
import { initWithFreePorts, runCli, tempHome } from "./cli_helpers.ts";
import { loadFixtures } from "../../daemon/adapters/test_util.ts";

const FIXTURES = new Map(loadFixtures().map((f) => [f.name, f]));
const messages = [{ role: "user" as const, content: "Say hi in Portuguese" }];

/** Millicents of a USD decimal string, rounded once half up. */
function roundedMillicents(usd: string): number {
  const [w, f = ""] = usd.split(".");
  const padded = f.padEnd(6, "0");
  const whole = Number(w) * 100_000 + Number(padded.slice(0, 5));
  return whole + (Number(padded[5]) >= 5 ? 1 : 0);
}

interface Case {
  name: string;
  fixture: string;
  run: (origin: string, project: string) => Promise<unknown>;
  /** Check what reached the provider. */
  upstream?: (body: Record<string, unknown>) => void;
}

const oai = (origin: string, prefix: string, project: string) =>
  new OpenAI({
    apiKey: "sk-test-e2e",
    baseURL: `${origin}/${prefix}`,
    maxRetries: 0,
    defaultHeaders: { "X-Halton-Project": project },
  });

async function drain(s: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of s) { /* consume */ }
}

const CASES: Case[] = [
  {
    name: "openai-chat",
    fixture: "openai_chat_gpt-5_nonstream",
    run: (o, p) => oai(o, "openai/v1", p).chat.completions.create({ model: "gpt-5", messages }),
  },
  {
    name: "openai-chat-stream-injected",
    fixture: "openai_chat_gpt-5_stream",
    run: async (o, p) =>
      drain(
        await oai(o, "openai/v1", p).chat.completions.create({
          model: "gpt-5",
          messages,
          stream: true,
        }),
      ),
    upstream: (b) => assert.deepEqual(b.stream_options, { include_usage: true }),
  },
  {
    name: "openai-responses-stream",
    fixture: "openai_responses_gpt-5_stream",
    run: async (o, p) =>
      drain(
        await oai(o, "openai/v1", p).responses.create({
          model: "gpt-5",
          input: "Say hi",
          stream: true,
        }),
      ),
  },
  {
    name: "anthropic-stream",
    fixture: "anthropic_messages_claude-sonnet-4_stream",
    run: (o, p) =>
      new Anthropic({
        apiKey: "sk-ant-e2e",
        baseURL: `${o}/anthropic`,
        maxRetries: 0,
        defaultHeaders: { "X-Halton-Project": p },
      })
        .messages.stream({ model: "claude-sonnet-4-20250514", max_tokens: 100, messages })
        .finalMessage(),
  },
  {
    name: "gemini-generate",
    fixture: "gemini_generateContent_gemini-2.5-pro_nonstream",
    run: (o, p) =>
      new GoogleGenAI({
        apiKey: "AIza-e2e",
        httpOptions: { baseUrl: `${o}/gemini`, headers: { "X-Halton-Project": p } },
      })
        .models.generateContent({ model: "gemini-2.5-pro", contents: "Say hi" }),
  },
  {
    name: "gemini-stream",
    fixture: "gemini_streamGenerateContent_gemini-2.5-pro_stream",
    run: async (o, p) =>
      drain(
        await new GoogleGenAI({
          apiKey: "AIza-e2e",
          httpOptions: { baseUrl: `${o}/gemini`, headers: { "X-Halton-Project": p } },
        })
          .models.generateContentStream({ model: "gemini-2.5-pro", contents: "Say hi" }),
      ),
  },
  {
    name: "xai-stream-injected",
    fixture: "xai_chat_grok-4-fast_stream",
    run: async (o, p) =>
      drain(
        await oai(o, "xai/v1", p).chat.completions.create({
          model: "grok-4-fast",
          messages,
          stream: true,
        }),
      ),
    upstream: (b) => assert.deepEqual(b.stream_options, { include_usage: true }),
  },
  {
    name: "groq-stream",
    fixture: "groq_chat_kimi-k2_stream",
    run: async (o, p) =>
      drain(
        await oai(o, "groq/openai/v1", p).chat.completions.create({
          model: "moonshotai/kimi-k2-instruct-0905",
          messages,
          stream: true,
          stream_options: { include_usage: true },
        }),
      ),
  },
  {
    name: "deepseek-stream",
    fixture: "syn_deepseek_chat_stream",
    run: async (o, p) =>
      drain(
        await oai(o, "deepseek", p).chat.completions.create({
          model: "deepseek-chat",
          messages,
          stream: true,
        }),
      ),
  },
];

async function startDaemon(
  env: Record<string, string>,
  editConfig: (toml: string) => string = (t) => t,
) {
  const home = await tempHome();
  await initWithFreePorts(home.dir);
  await Deno.writeTextFile(
    home.paths.config,
    editConfig(await Deno.readTextFile(home.paths.config)),
  );
  const started = await runCli(home.dir, ["start"], env);
  assert.equal(started.code, 0, started.stderr);
  const runtime = JSON.parse(await Deno.readTextFile(home.paths.runtime));
  return { home, origin: `http://127.0.0.1:${runtime.proxy.port}` };
}

async function waitRows(db: string, n: number): Promise<Record<string, unknown>[]> {
  let rows: Record<string, unknown>[] = [];
  for (let i = 0; i < 100; i++) {
    try {
      const d = new DatabaseSync(db, { readOnly: true });
      rows = d.prepare("SELECT * FROM requests").all() as Record<string, unknown>[];
      d.close();
    } catch { /* not yet created */ }
    if (rows.length >= n) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return rows;
}

Deno.test("adapters e2e: official SDKs through the daemon store exact tokens and cost", async (t) => {
  const fakes = await startFakeProviders();
  const { home, origin } = await startDaemon(fakes.env);
  try {
    for (const c of CASES) await c.run(origin, c.name);
    const rows = await waitRows(home.paths.db, CASES.length);
    for (const c of CASES) {
      await t.step(c.name, () => {
        const f = FIXTURES.get(c.fixture)!;
        const row = rows.find((r) => r.project_id === c.name);
        assert.ok(row, `no row for ${c.name}`);
        const want = f.normalised;
        for (
          const k of [
            "prompt_tokens",
            "completion_tokens",
            "cache_read_tokens",
            "cache_write_5m_tokens",
            "cache_write_1h_tokens",
            "reasoning_tokens",
            "usage_status",
            "model",
          ]
        ) {
          assert.equal(row[k] ?? null, want[k] ?? null, `${c.name}.${k}`);
        }
        assert.equal(Number(row.priced), 1);
        assert.equal(
          row.cost_usd_millicents,
          roundedMillicents(f.expectedCostUsd),
          `${c.name} cost`,
        );
        if (c.upstream) {
          const up = fakes.requests.find((r) =>
            r.path.endsWith("/chat/completions") && r.body.includes('"stream":true') &&
            r.host === new URL(f.url).host
          );
          assert.ok(up, "request reached the provider");
          c.upstream(JSON.parse(up.body));
        }
      });
    }
  } finally {
    await runCli(home.dir, ["stop"]);
    await home.cleanup();
    await fakes.close();
  }
});

Deno.test("adapters e2e: inject_stream_usage = false leaves a usage-less stream missing, never $0", async () => {
  const fakes = await startFakeProviders();
  const { home, origin: o2 } = await startDaemon(
    fakes.env,
    (t) => t.replace(/^inject_stream_usage = true$/m, "inject_stream_usage = false"),
  );
  try {
    await drain(
      await oai(o2, "openai/v1", "no-inject").chat.completions.create({
        model: "gpt-4o-mini",
        messages,
        stream: true,
      }),
    );
    const [row] = await waitRows(home.paths.db, 1);
    assert.equal(row.usage_status, "missing");
    assert.equal(row.prompt_tokens, null);
    assert.equal(row.cost_usd_millicents, null);
    assert.equal(Number(row.priced), 0);
    assert.equal(fakes.requests.at(-1)!.body.includes("include_usage"), false);
  } finally {
    await runCli(home.dir, ["stop"]);
    await home.cleanup();
    await fakes.close();
  }
});
