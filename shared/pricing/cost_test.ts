/** @module The cost function: tiers at/above thresholds, cache classes, modifiers, rounding, unknowns. */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { emptyUsage, type Usage } from "../schemas/usage.ts";
import {
  costOf,
  defaultPriceTable,
  exactMillicents,
  type PriceRow,
  type PriceTable,
  withOverrides,
} from "./mod.ts";

const AT = new Date("2026-08-01T00:00:00Z");
const T = defaultPriceTable();

function usage(p: Partial<Usage>): Usage {
  return { ...emptyUsage(p.provider ?? "openai", "ok"), ...p };
}

interface Case {
  name: string;
  u: Partial<Usage>;
  /** Exact millicents before rounding. */
  exact: string | null;
  cents: number | null;
  table?: PriceTable;
}

const CASES: Case[] = [
  {
    name: "Claude Sonnet 4.5 exactly at 200k input: NOT above, base prices",
    u: {
      provider: "anthropic",
      model: "claude-sonnet-4-5-20250929",
      prompt_tokens: 200_000,
      completion_tokens: 1000,
    },
    exact: "61500", // 200000·3 + 1000·15 µ$ = $0.615
    cents: 61500,
  },
  {
    name: "Claude Sonnet 4.5 at 200,001 input: the WHOLE request at tier prices",
    u: {
      provider: "anthropic",
      model: "claude-sonnet-4-5",
      prompt_tokens: 200_001,
      cache_read_tokens: 100_000,
      cache_write_tokens: 1,
      cache_write_5m_tokens: 1,
      completion_tokens: 1000,
    },
    // 100000·6 + 100000·0.6 + 1·7.5 + 1000·22.5 µ$ = 682,507.5 µ$
    exact: "68250.75",
    cents: 68251,
  },
  {
    name:
      "Claude Sonnet 4 above 200k: 1h write (no tier price in data) scales with the input ratio (6 → 12)",
    u: {
      provider: "anthropic",
      model: "claude-sonnet-4-20250514",
      prompt_tokens: 300_000,
      cache_write_tokens: 100_000,
      cache_write_1h_tokens: 100_000,
      cache_write_5m_tokens: 0,
      completion_tokens: 0,
    },
    exact: "240000", // 200000·6 + 100000·12 µ$
    cents: 240000,
  },
  {
    name: "Gemini 2.5 Pro exactly at 200k prompt: base prices",
    u: {
      provider: "gemini",
      model: "gemini-2.5-pro",
      prompt_tokens: 200_000,
      completion_tokens: 100,
    },
    exact: "25100", // 200000·1.25 + 100·10
    cents: 25100,
  },
  {
    name:
      "Gemini 2.5 Pro above 200k (cached included in prompt): tier for input, cache read and output",
    u: {
      provider: "gemini",
      model: "models/gemini-2.5-pro",
      prompt_tokens: 200_001,
      cache_read_tokens: 1,
      completion_tokens: 100,
    },
    exact: "50150.025", // 200000·2.5 + 1·0.25 + 100·15 = 501,500.25 µ$
    cents: 50150,
  },
  {
    name: "GPT-5.4 exactly at 272k: base; one more token: tier",
    u: {
      provider: "openai",
      model: "gpt-5.4-2026-03-05",
      prompt_tokens: 272_000,
      completion_tokens: 0,
    },
    exact: "68000",
    cents: 68000,
  },
  {
    name: "GPT-5.4 at 272,001 input: tier prices",
    u: { provider: "openai", model: "gpt-5.4", prompt_tokens: 272_001, completion_tokens: 10 },
    exact: "136023", // 272001·5 + 10·22.5 = 1,360,230 µ$
    cents: 136023,
  },
  {
    name: "OpenAI cached subset billed at cache price, GPT-5.6 cache write at 1.25x input",
    u: {
      provider: "openai",
      model: "gpt-5.6",
      prompt_tokens: 1000,
      cache_read_tokens: 400,
      cache_write_tokens: 100,
      cache_write_5m_tokens: 100,
      completion_tokens: 10,
    },
    exact: "362.5", // 500·5 + 400·0.5 + 100·6.25 + 10·30 = 3625 µ$
    cents: 363,
  },
  {
    name: "OpenAI before GPT-5.6: cache write has no fee (input price)",
    u: {
      provider: "openai",
      model: "gpt-4o",
      prompt_tokens: 1000,
      cache_write_tokens: 1000,
      cache_write_5m_tokens: 1000,
      completion_tokens: 0,
    },
    exact: "250",
    cents: 250,
  },
  {
    name: "batch: 50% of every token class",
    u: {
      provider: "openai",
      model: "gpt-4o-mini",
      batch: true,
      prompt_tokens: 1_000_000,
      completion_tokens: 1_000_000,
    },
    exact: "37500", // (0.15 + 0.6)/2 USD
    cents: 37500,
  },
  {
    name: "service tier flex (o3)",
    u: {
      provider: "openai",
      model: "o3-2025-04-16",
      service_tier: "flex",
      prompt_tokens: 1_000_000,
      cache_read_tokens: 1_000_000,
      completion_tokens: 0,
    },
    exact: "25000", // all cached: 1M · 0.25
    cents: 25000,
  },
  {
    name: "service tier priority (gpt-4o)",
    u: {
      provider: "openai",
      model: "gpt-4o",
      service_tier: "priority",
      prompt_tokens: 1_000_000,
      completion_tokens: 1_000_000,
    },
    exact: "2125000", // 4.25 + 17
    cents: 2125000,
  },
  {
    name: "Anthropic inference_geo us x1.1 and fast x6 (Opus 4.6), web search fee not multiplied",
    u: {
      provider: "anthropic",
      model: "claude-opus-4-6",
      inference_geo: "us",
      speed: "fast",
      prompt_tokens: 1000,
      completion_tokens: 100,
      web_search_requests: 2,
    },
    // tokens (5000 + 2500) µ$ = 750 mc; ×1.1×6 = 4950 mc; + 2 searches = 2000 mc.
    exact: "6950",
    cents: 6950,
  },
  {
    name:
      "rounding happens ONCE per request, half up (0.45 + 0.3 = 0.75 → 1, per-line would give 0)",
    u: { provider: "openai", model: "gpt-4o-mini", prompt_tokens: 30, completion_tokens: 5 },
    exact: "0.75",
    cents: 1,
  },
  {
    name: "exactly half a millicent rounds up",
    u: { provider: "openai", model: "gpt-4o-mini", prompt_tokens: 100, completion_tokens: 0 },
    exact: "1.5",
    cents: 2,
  },
  {
    name: "web search $0.01 per query",
    u: {
      provider: "anthropic",
      model: "claude-sonnet-4-20250514",
      prompt_tokens: 0,
      completion_tokens: 0,
      web_search_requests: 3,
    },
    exact: "3000",
    cents: 3000,
  },
];

Deno.test("costOf", async (t) => {
  for (const c of CASES) {
    await t.step(c.name, () => {
      const r = costOf(usage(c.u), c.table ?? T, AT);
      equal(r.priced, true);
      equal(exactMillicents(r.breakdown!), c.exact);
      equal(r.cost_usd_millicents, c.cents);
      ok(Number.isInteger(r.cost_usd_millicents));
    });
  }
});

Deno.test("costOf: never zero for what it cannot price", async (t) => {
  await t.step("unknown model -> null, priced=false", () => {
    const r = costOf(
      usage({ model: "gpt-99-ultra", prompt_tokens: 10, completion_tokens: 10 }),
      T,
      AT,
    );
    deepStrictEqual(r, {
      cost_usd_millicents: null,
      priced: false,
      pricing_version: T.version,
      breakdown: null,
    });
  });
  await t.step("usage missing / unparsed -> null", () => {
    for (const s of ["missing", "unparsed"] as const) {
      const r = costOf({ ...usage({ model: "gpt-4o" }), usage_status: s }, T, AT);
      equal(r.cost_usd_millicents, null);
      equal(r.priced, false);
    }
  });
  await t.step("incomplete usage is priced on what was seen", () => {
    const r = costOf(
      {
        ...usage({ model: "gpt-4o", prompt_tokens: 1000, completion_tokens: 0 }),
        usage_status: "incomplete",
      },
      T,
      AT,
    );
    equal(r.cost_usd_millicents, 250);
  });
  await t.step("not billable (count_tokens) -> 0 and priced, even for an unknown model", () => {
    const r = costOf(usage({ model: "whatever", billable: false, prompt_tokens: 5000 }), T, AT);
    equal(r.cost_usd_millicents, 0);
    equal(r.priced, true);
  });
  await t.step("falls back to requested_model when the reported model is unknown", () => {
    const r = costOf(
      usage({
        model: "gpt-4o-mini-2099-01-01-custom",
        requested_model: "gpt-4o-mini",
        prompt_tokens: 100,
        completion_tokens: 0,
      }),
      T,
      AT,
    );
    equal(r.cost_usd_millicents, 2);
  });
});

Deno.test("costOf: price history uses the newest row effective at request time", () => {
  const base = T.rows.find((r) => r.model === "o3")!;
  const old: PriceRow = { ...base, effective_from: "2025-04-16", input: 10, output: 40 };
  const cut: PriceRow = { ...base, effective_from: "2025-06-10" };
  const table: PriceTable = { version: "test.1", rows: [old, cut], overrides: {} };
  const u = usage({ model: "o3", prompt_tokens: 1_000_000, completion_tokens: 0 });
  equal(costOf(u, table, new Date("2025-05-01T00:00:00Z")).cost_usd_millicents, 1_000_000);
  equal(costOf(u, table, new Date("2025-06-10T00:00:00Z")).cost_usd_millicents, 200_000);
  equal(costOf(u, table, new Date("2025-01-01T00:00:00Z")).priced, false);
});

Deno.test("costOf: user overrides price unknown models and win over bundled rows", () => {
  const r = withOverrides(T, {
    "openai/my-finetune": { input_per_mtok_usd: 1, output_per_mtok_usd: 4 },
    "openai/gpt-4o": { input_per_mtok_usd: 100, output_per_mtok_usd: 100 },
  });
  ok(r.ok);
  ok(r.value.version.startsWith(T.version + "+o."));
  equal(
    costOf(
      usage({ model: "my-finetune", prompt_tokens: 1_000_000, completion_tokens: 0 }),
      r.value,
      AT,
    ).cost_usd_millicents,
    100_000,
  );
  equal(
    costOf(
      usage({
        model: "gpt-4o-2024-08-06",
        requested_model: "gpt-4o",
        prompt_tokens: 1000,
        completion_tokens: 0,
      }),
      r.value,
      AT,
    ).cost_usd_millicents,
    250,
  );
  equal(
    costOf(usage({ model: "gpt-4o", prompt_tokens: 1000, completion_tokens: 0 }), r.value, AT)
      .cost_usd_millicents,
    10_000,
  );
});
