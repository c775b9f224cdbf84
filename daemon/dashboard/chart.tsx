/** @module Spend by day as an inline SVG bar chart, rendered on the server (no chart library). */
import { formatUsd } from "../../shared/money.ts";
import { END_OF_TIME, type ReportLine, START_OF_TIME, type TimeRange } from "../store/reports.ts";

const DAY_MS = 86_400_000;

/** Every UTC day of the range (an open range ends today; at most 400), with the data's lines or zeros. */
export function fillDays(
  byDay: ReportLine[],
  range: TimeRange,
  now = new Date(),
): { day: string; cost: number; requests: number }[] {
  const data = new Map(byDay.map((l) => [l.key, l]));
  const first = range.since === START_OF_TIME ? byDay[0]?.key : range.since.slice(0, 10);
  // An open range ends today; an explicit `until` is drawn through its last day.
  const endIso = range.until === END_OF_TIME
    ? now.toISOString()
    : new Date(Date.parse(range.until) - 1).toISOString();
  const last = byDay.length && byDay[byDay.length - 1].key > endIso.slice(0, 10)
    ? byDay[byDay.length - 1].key
    : endIso.slice(0, 10);
  if (!first || first > last) {
    return byDay.map((l) => ({
      day: l.key,
      cost: l.cost_usd_millicents ?? 0,
      requests: l.requests,
    }));
  }
  const out: { day: string; cost: number; requests: number }[] = [];
  const start = Date.parse(first + "T00:00:00Z");
  const days = Math.round((Date.parse(last + "T00:00:00Z") - start) / DAY_MS) + 1;
  if (days > 400) {
    return byDay.map((l) => ({
      day: l.key,
      cost: l.cost_usd_millicents ?? 0,
      requests: l.requests,
    }));
  }
  for (let i = 0; i < days; i++) {
    const day = new Date(start + i * DAY_MS).toISOString().slice(0, 10);
    const l = data.get(day);
    out.push({ day, cost: l?.cost_usd_millicents ?? 0, requests: l?.requests ?? 0 });
  }
  return out;
}

/** The bar chart. Each bar carries `data-day` and `data-cost` (millicents) and a tooltip title. */
export function SpendChart(props: { days: { day: string; cost: number; requests: number }[] }) {
  const W = 900, H = 220, L = 64, R = 8, T = 10, B = 26;
  const plotW = W - L - R, plotH = H - T - B;
  const n = Math.max(props.days.length, 1);
  const max = Math.max(...props.days.map((d) => d.cost), 1);
  const bw = plotW / n;
  const every = Math.ceil(n / 10);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <div class="chart" data-testid="spend-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Spend by day">
        <g class="grid">
          {ticks.map((t) => {
            const y = T + plotH - t * plotH;
            return (
              <g>
                <line x1={L} x2={W - R} y1={y} y2={y} />
                <text x={L - 6} y={y + 4} text-anchor="end">
                  {formatUsd(Math.round(max * t), 2)}
                </text>
              </g>
            );
          })}
        </g>
        {props.days.map((d, i) => {
          const h = d.cost > 0 ? Math.max(1, (d.cost / max) * plotH) : 0;
          const x = L + i * bw;
          return (
            <g>
              <rect
                class="bar"
                x={(x + bw * 0.12).toFixed(2)}
                y={(T + plotH - h).toFixed(2)}
                width={Math.max(bw * 0.76, 0.5).toFixed(2)}
                height={h.toFixed(2)}
                data-day={d.day}
                data-cost={String(d.cost)}
              >
                <title>{`${d.day}: ${formatUsd(d.cost)} (${d.requests} requests)`}</title>
              </rect>
              {i % every === 0
                ? (
                  <text x={(x + bw / 2).toFixed(2)} y={H - 8} text-anchor="middle">
                    {d.day.slice(5)}
                  </text>
                )
                : null}
            </g>
          );
        })}
      </svg>
    </div>
  );
}
