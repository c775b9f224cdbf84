/** @module The bundled price table: coverage of prices.json, lookups, overrides validation. */
import { equal, ok } from "node:assert/strict";
import { defaultPriceTable, findPrice, priceRows, withOverrides } from "./mod.ts";

const T = defaultPriceTable();
const AT = new Date("2026-08-01T00:00:00Z");

Deno.test("price table coverage: every prices.json row, each with source and date", async (t) => {
  equal(T.rows.length, 72);
  ok(/^\d{4}-\d{2}-\d{2}\.\d+$/.test(T.version));
  for (const r of priceRows()) {
    await t.step(`${r.provider}/${r.model}`, () => {
      ok(r.source.length > 20);
      ok(/^\d{4}-\d{2}-\d{2}$/.test(r.source_date));
      ok(/^\d{4}-\d{2}-\d{2}$/.test(r.effective_from));
      equal(
        findPrice(T, r.provider, r.model, AT),
        T.rows.find((x) => x.provider === r.provider && x.model === r.model),
      );
      for (const a of r.aliases) equal(findPrice(T, r.provider, a, AT)?.model, r.model, a);
    });
  }
});

Deno.test("findPrice: aliases, snapshot patterns and prefixes", async (t) => {
  const cases: [string, string, string | null][] = [
    ["openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini"],
    ["openai", "gpt-4o-2024-05-13", "gpt-4o-2024-05-13"],
    ["openai", "gpt-4o-2024-08-06", "gpt-4o"],
    ["openai", "gpt-5-2025-08-07", "gpt-5"],
    ["openai", "gpt-5.6-2026-09-01", "gpt-5.6"],
    ["openai", "text-embedding-ada-002-v2", "text-embedding-ada-002"],
    ["anthropic", "claude-sonnet-4-20250514", "claude-sonnet-4-20250514"],
    ["anthropic", "claude-opus-4-8-20261001", "claude-opus-4-8"],
    ["anthropic", "CLAUDE-SONNET-4-5", "claude-sonnet-4-5-20250929"],
    ["gemini", "models/gemini-2.5-pro", "gemini-2.5-pro"],
    ["gemini", "gemini-2.0-flash-001", "gemini-2.0-flash"],
    ["xai", "grok-4-fast-reasoning", "grok-4-fast-reasoning"],
    ["xai", "grok-4-fast", "grok-4-fast-reasoning"],
    ["xai", "xai/grok-4", "grok-4-0709"],
    ["groq", "moonshotai/kimi-k2-instruct-0905", "moonshotai/kimi-k2-instruct-0905"],
    ["openai", "gpt-4o-mini-extra", null],
    ["mistral", "mistral-large-latest", null],
  ];
  for (const [p, m, want] of cases) {
    await t.step(`${p}/${m}`, () => equal(findPrice(T, p, m, AT)?.model ?? null, want));
  }
});

Deno.test("withOverrides: validation errors are one clear line", async (t) => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ["nope/x", { input_per_mtok_usd: 1, output_per_mtok_usd: 1 }, /unknown provider "nope"/],
    ["openai", { input_per_mtok_usd: 1, output_per_mtok_usd: 1 }, /"provider\/model"/],
    [
      "openai/x",
      { input_per_mtok_usd: -1, output_per_mtok_usd: 1 },
      /input_per_mtok_usd must be a number/,
    ],
    ["openai/x", { input_per_mtok_usd: 1 }, /output_per_mtok_usd must be a number/],
    ["openai/x", { input_per_mtok_usd: 1, output_per_mtok_usd: 1, foo: 2 }, /unknown key "foo"/],
  ];
  for (const [key, o, re] of bad) {
    await t.step(key + " " + JSON.stringify(o), () => {
      const r = withOverrides(T, { [key]: o as never });
      ok(!r.ok);
      ok(re.test(r.error), r.error);
      ok(r.error.startsWith(`Invalid [pricing.overrides."${key}"]`));
      ok(!r.error.includes("\n"));
    });
  }
  await t.step("no overrides keeps the table and version", () => {
    const r = withOverrides(T, {});
    ok(r.ok);
    equal(r.value, T);
  });
});
