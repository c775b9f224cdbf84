/**
 * @module The request detail page: tokens, cost breakdown by token class (from the pricing
 * engine), attribution method and resolver trail, and the captured bodies (secrets were stripped
 * at capture; everything is HTML-escaped by JSX).
 */
import { formatUsd } from "../../shared/money.ts";
import type { CostResult } from "../../shared/pricing/mod.ts";
import type { StoredBody, StoredRow } from "../store/store.ts";
import { TOKEN_COLUMNS } from "../store/reports.ts";
import { n } from "./components.tsx";
import { Layout } from "./layout.tsx";

interface TrailEntry {
  resolver: string;
  project: string | null;
  detail?: string;
}

function parseTrail(text: string | null): TrailEntry[] | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v as TrailEntry[] : null;
  } catch {
    return null;
  }
}

/** Exact USD from a decimal millicents string ("2.5" → "$0.000025"), at least 5 decimals. */
export function exactUsd(millicents: string): string {
  const neg = millicents.startsWith("-");
  const [w, f = ""] = (neg ? millicents.slice(1) : millicents).split(".");
  // Dividing by 100,000 moves the decimal point five places left.
  const whole = w.padStart(6, "0");
  const intPart = whole.slice(0, -5).replace(/^0+(?=\d)/, "");
  let frac = (whole.slice(-5) + f).replace(/0+$/, "");
  if (frac.length < 5) frac = frac.padEnd(5, "0");
  return `${neg ? "-" : ""}$${intPart}.${frac}`;
}

/** Decodes a body for display: pretty JSON when it parses, else text (or a binary note). */
export function bodyText(b: StoredBody): string {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(b.content);
  if ((b.content_type ?? "").includes("json")) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch { /* truncated or not JSON: show as is */ }
  }
  return text;
}

/** Renders one request. `cost` is the pricing engine's recomputation (null when unavailable). */
export function DetailPage(
  props: { row: StoredRow; bodies: StoredBody[]; cost: CostResult | null },
) {
  const r = props.row;
  const trail = parseTrail(r.attribution_trail);
  const lines = props.cost?.breakdown ?? null;
  return (
    <Layout title={`Request ${r.request_id.slice(0, 8)}`} active="requests">
      <h1>
        Request <span class="muted">{r.request_id}</span>
      </h1>
      <div class="grid">
        <div class="card">
          <h2>Exchange</h2>
          <dl class="kv" data-testid="exchange">
            <dt>time</dt>
            <dd>{r.timestamp}</dd>
            <dt>provider</dt>
            <dd>{r.provider ?? "—"}</dd>
            <dt>model</dt>
            <dd>{r.model ?? "—"}</dd>
            <dt>requested model</dt>
            <dd>{r.requested_model ?? "—"}</dd>
            <dt>request</dt>
            <dd>{r.method} {r.host}{r.path}</dd>
            <dt>mode</dt>
            <dd>{r.mode}{r.stream ? " · stream" : ""}{r.batch ? " · batch" : ""}</dd>
            <dt>status</dt>
            <dd class={(r.status_code ?? 0) >= 400 ? "bad" : ""}>
              {r.status_code ?? "—"} ({r.outcome})
            </dd>
            {r.error
              ? (
                <>
                  <dt>error</dt>
                  <dd class="bad">{r.error}</dd>
                </>
              )
              : null}
            <dt>latency</dt>
            <dd>{r.latency_ms ?? "—"} ms (first byte {r.ttfb_ms ?? "—"} ms)</dd>
            <dt>hostname</dt>
            <dd>{r.hostname ?? "—"}</dd>
          </dl>
        </div>
        <div class="card">
          <h2>Tokens</h2>
          <table data-testid="tokens">
            <tbody>
              {TOKEN_COLUMNS.map((c) => (
                <tr>
                  <td>{c.replaceAll("_", " ")}</td>
                  <td class="num" data-col={c}>{n(r[c])}</td>
                </tr>
              ))}
              <tr>
                <td>usage status</td>
                <td class={r.usage_status === "ok" ? "num" : "num warn"}>
                  {r.usage_status ?? "—"}
                </td>
              </tr>
            </tbody>
          </table>
        </div>
      </div>
      <div class="card" data-testid="cost">
        <h2>Cost</h2>
        <p>
          Stored cost:{" "}
          <strong data-testid="stored-cost">
            {r.cost_usd_millicents === null
              ? (r.usage_status === "ok" ? "unpriced (unknown model)" : "unknown (usage missing)")
              : formatUsd(r.cost_usd_millicents)}
          </strong>
          <span class="muted">· pricing {r.pricing_version ?? "—"}</span>
        </p>
        {lines && lines.length
          ? (
            <table data-testid="cost-breakdown">
              <thead>
                <tr>
                  <th>token class</th>
                  <th class="num">tokens</th>
                  <th class="num">USD / M tokens</th>
                  <th class="num">cost</th>
                </tr>
              </thead>
              <tbody>
                {lines.map((l) => (
                  <tr data-class={l.token_class}>
                    <td>{l.token_class.replaceAll("_", " ")}</td>
                    <td class="num">{n(l.tokens)}</td>
                    <td class="num">
                      {l.token_class === "web_search"
                        ? `$${l.usd_per_mtok / 1e6} / search`
                        : `$${l.usd_per_mtok}`}
                    </td>
                    <td class="num">{exactUsd(l.millicents_exact)}</td>
                  </tr>
                ))}
                <tr class="total">
                  <td>total</td>
                  <td></td>
                  <td></td>
                  <td class="num" data-testid="breakdown-total">
                    {formatUsd(props.cost!.cost_usd_millicents)}
                  </td>
                </tr>
              </tbody>
            </table>
          )
          : (
            <p class="muted">
              No breakdown:{" "}
              {r.cost_usd_millicents === null ? "the cost is unknown" : "no priced token classes"}.
            </p>
          )}
        {props.cost && props.cost.pricing_version !== r.pricing_version
          ? (
            <p class="muted">
              Breakdown computed with the current price table ({props.cost.pricing_version}).
            </p>
          )
          : null}
      </div>
      <div class="card" data-testid="attribution">
        <h2>Attribution</h2>
        <p>
          Project <span class="tag" data-testid="project">{r.project_id ?? "unattributed"}</span> by
          {" "}
          <strong data-testid="method">{r.attribution_method ?? "—"}</strong>
          {r.source_workdir ? <span class="muted">· {r.source_workdir}</span> : null}
          {r.client_pid ? <span class="muted">· pid {r.client_pid}</span> : null}
        </p>
        {trail
          ? (
            <table data-testid="trail">
              <thead>
                <tr>
                  <th>resolver</th>
                  <th>project</th>
                  <th>detail</th>
                </tr>
              </thead>
              <tbody>
                {trail.map((t) => (
                  <tr class={t.resolver === r.attribution_method ? "total" : ""}>
                    <td>{t.resolver}</td>
                    <td>{t.project ?? "—"}</td>
                    <td class="muted" style="white-space:normal">{t.detail ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
          : <p class="muted">No resolver trail stored.</p>}
      </div>
      {(["request", "response"] as const).map((dir) => {
        const b = props.bodies.find((x) => x.direction === dir);
        return (
          <div class="card" data-testid={`body-${dir}`}>
            <h2>{dir === "request" ? "Request body" : "Response body"}</h2>
            {b
              ? (
                <>
                  <p class="muted">
                    {b.content_type ?? "unknown type"} · {n(b.bytes)} bytes on the wire
                    {b.truncated
                      ? (
                        <span class="warn" data-testid={`truncated-${dir}`}>
                          · truncated (stored {n(b.content.length)} bytes)
                        </span>
                      )
                      : null}
                  </p>
                  <pre class="body">{bodyText(b)}</pre>
                </>
              )
              : <p class="muted">Not captured.</p>}
          </div>
        );
      })}
    </Layout>
  );
}
