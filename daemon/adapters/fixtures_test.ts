/** @module Every recorded fixture: usage AND cost equal EXPECTED.json, whole-body and split at every byte offset. */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import type { Usage } from "../../shared/schemas/usage.ts";
import { costOf, defaultPriceTable, exactMillicents } from "../../shared/pricing/mod.ts";
import { createRegistry } from "./mod.ts";
import { type Fixture, fixtureExchange, loadFixtures, usdToMillicents } from "./test_util.ts";
import type { Adapter } from "./types.ts";

const registry = createRegistry({ extraHosts: [] });
const fixtures = loadFixtures();
const AT = new Date("2026-08-01T00:00:00Z");

function adapterFor(f: Fixture): Adapter {
  const ex = fixtureExchange(f);
  const a = registry.find(ex.request);
  ok(a, `no adapter for ${f.url}`);
  return a;
}

function pick(u: Usage): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(fixtures[0].normalised)) out[k] = (u as Record<string, unknown>)[k];
  return out;
}

/** Feeds the response in the given chunks to a fresh stream parser. */
function parseChunks(f: Fixture, chunks: Uint8Array[]): Usage {
  const a = adapterFor(f);
  const ex = fixtureExchange(f);
  const p = a.streamParser(ex.request, f.status, f.headers["content-type"] ?? "");
  for (const c of chunks) p.push(c);
  const r = p.finish(ex);
  ok(r.ok, r.ok ? "" : r.error);
  return r.value;
}

Deno.test("recorded fixtures: usage and cost equal EXPECTED.json", async (t) => {
  equal(fixtures.length, 21);
  for (const f of fixtures) {
    await t.step(f.name, () => {
      const a = adapterFor(f);
      equal(a.id, f.provider);
      const r = a.parse(fixtureExchange(f));
      ok(r.ok, r.ok ? "" : r.error);
      deepStrictEqual(pick(r.value), f.normalised);
      const c = costOf(r.value, defaultPriceTable(), AT);
      equal(c.priced, true);
      equal(c.pricing_version, defaultPriceTable().version);
      const exact = usdToMillicents(f.expectedCostUsd);
      equal(exactMillicents(c.breakdown!), exact);
      const [w, frac = "0"] = exact.split(".");
      const rounded = Number(w) + (Number(frac[0]) >= 5 ? 1 : 0);
      equal(c.cost_usd_millicents, rounded);
    });
  }
});

Deno.test("recorded fixtures: split into two chunks at every byte offset", async (t) => {
  for (const f of fixtures) {
    await t.step(f.name, () => {
      const whole = pick(parseChunks(f, [f.response]));
      const n = f.response.length;
      const stride = n > 8192 ? 61 : 1; // every offset for small bodies; a dense stride for 40-60 KB ones
      for (let i = 0; i <= n; i += (i < 1024 || i > n - 1024) ? 1 : stride) {
        const got = pick(parseChunks(f, [f.response.subarray(0, i), f.response.subarray(i)]));
        deepStrictEqual(got, whole, `split at ${i}`);
      }
    });
  }
});

Deno.test("recorded fixtures: one byte per chunk", async (t) => {
  for (const f of fixtures) {
    await t.step(f.name, () => {
      const chunks = Array.from(f.response, (_, i) => f.response.subarray(i, i + 1));
      deepStrictEqual(pick(parseChunks(f, chunks)), f.normalised);
    });
  }
});

Deno.test("recorded streams cut at every byte offset are incomplete, never ok, never over-counted", async (t) => {
  for (const f of fixtures.filter((x) => x.headers["content-type"]?.includes("event-stream"))) {
    await t.step(f.name, () => {
      const whole = parseChunks(f, [f.response]);
      const n = f.response.length;
      const stride = n > 8192 ? 61 : 1;
      for (let i = 0; i < n; i += stride) {
        const a = adapterFor(f);
        const ex = fixtureExchange(f, { outcome: "upstream_cut", error: "connection reset" });
        const p = a.streamParser(ex.request, f.status, f.headers["content-type"]);
        p.push(f.response.subarray(0, i));
        const r = p.finish(ex);
        if (!r.ok) throw new Error(r.error);
        const usage: Usage = r.value;
        equal(usage.usage_status, "incomplete", `cut at ${i}`);
        ok(usage.error);
        for (const k of ["prompt_tokens", "cache_read_tokens", "web_search_requests"] as const) {
          const v: number | null = usage[k];
          ok(v === null || v <= (whole[k] ?? 0), `${k} ${v} at ${i}`);
        }
      }
    });
  }
});
