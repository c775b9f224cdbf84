/** @module Small pieces shared by dashboard pages: the period picker and breakdown tables. */
import { formatUsd } from "../../shared/money.ts";
import type { ReportLine } from "../store/reports.ts";
import { type PagePeriod, periodParams, PERIODS, qs } from "./params.ts";

/** Formats a count with thousands separators. */
export function n(x: number | null | undefined): string {
  return x === null || x === undefined ? "—" : x.toLocaleString("en-US");
}

/** Period presets plus a custom since/until form, keeping `extra` query params. */
export function PeriodPicker(
  props: { base: string; period: PagePeriod; extra?: Record<string, string | null> },
) {
  return (
    <div class="card">
      <div class="periods" data-testid="periods">
        {PERIODS.map((p) => (
          <a
            href={props.base + qs({ ...props.extra, period: p })}
            class={props.period.period === p ? "on" : ""}
          >
            {p === "all" ? "All" : p}
          </a>
        ))}
        <form
          method="get"
          action={props.base}
          class="filters"
          style="display:inline-flex;margin:8px 0 0"
        >
          {Object.entries(props.extra ?? {}).filter(([, v]) => v).map(([k, v]) => (
            <input type="hidden" name={k} value={v ?? ""} />
          ))}
          <label>
            Since{" "}
            <input
              name="since"
              value={props.period.sinceArg}
              placeholder="2026-11-01 or 30d"
              size={14}
            />
          </label>
          <label>
            Until <input name="until" value={props.period.untilArg} placeholder="now" size={14} />
          </label>
          <button type="submit">Apply</button>
        </form>
      </div>
      <div class="muted" style="margin-top:6px">
        Showing <span data-testid="period-label">{props.period.label}</span> (UTC days)
      </div>
    </div>
  );
}

/**
 * A breakdown table (by project, model or provider). Rows link to the filtered request list.
 * Cells carry `data-col`; rows carry `data-key`.
 */
export function Breakdown(
  props: {
    title: string;
    dim: "project" | "model" | "provider";
    lines: ReportLine[];
    total: ReportLine;
    period: PagePeriod;
  },
) {
  return (
    <div class="card" data-testid={`breakdown-${props.dim}`}>
      <h2>{props.title}</h2>
      <table>
        <thead>
          <tr>
            <th>{props.dim}</th>
            <th class="num">requests</th>
            <th class="num">prompt</th>
            <th class="num">completion</th>
            <th class="num">unpriced</th>
            <th class="num">missing usage</th>
            <th class="num">cost</th>
          </tr>
        </thead>
        <tbody>
          {props.lines.map((l) => (
            <tr data-key={l.key}>
              <td>
                <a href={"/requests" + qs({ ...periodParams(props.period), [props.dim]: l.key })}>
                  {l.key}
                </a>
              </td>
              <Cells l={l} />
            </tr>
          ))}
          <tr class="total" data-key="__total">
            <td>Total</td>
            <Cells l={props.total} />
          </tr>
        </tbody>
      </table>
    </div>
  );
}

function Cells(props: { l: ReportLine }) {
  const l = props.l;
  return (
    <>
      <td class="num" data-col="requests">{n(l.requests)}</td>
      <td class="num" data-col="prompt_tokens">{n(l.prompt_tokens)}</td>
      <td class="num" data-col="completion_tokens">{n(l.completion_tokens)}</td>
      <td class={l.unpriced ? "num warn" : "num"} data-col="unpriced">{n(l.unpriced)}</td>
      <td class={l.missing_usage ? "num warn" : "num"} data-col="missing_usage">
        {n(l.missing_usage)}
      </td>
      <td class="num" data-col="cost">{formatUsd(l.cost_usd_millicents)}</td>
    </>
  );
}
