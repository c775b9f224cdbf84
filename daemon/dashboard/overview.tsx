/** @module The overview page: totals, spend by day, and breakdowns by project, model and provider. */
import { formatUsd } from "../../shared/money.ts";
import type { Overview } from "../store/reports.ts";
import { fillDays, SpendChart } from "./chart.tsx";
import { Breakdown, n, PeriodPicker } from "./components.tsx";
import { Layout } from "./layout.tsx";
import type { PagePeriod } from "./params.ts";

/** Renders the overview for a period. */
export function OverviewPage(props: { ov: Overview; period: PagePeriod; now: Date }) {
  const { ov, period } = props;
  const t = ov.total;
  return (
    <Layout title="Overview" active="overview">
      <h1>Spend overview</h1>
      <PeriodPicker base="/" period={period} />
      <div class="stats">
        <Stat label="Cost (priced rows)" value={formatUsd(t.cost_usd_millicents)} id="total-cost" />
        <Stat label="Requests" value={n(t.requests)} id="total-requests" />
        <Stat label="Prompt tokens" value={n(t.prompt_tokens)} id="total-prompt" />
        <Stat label="Completion tokens" value={n(t.completion_tokens)} id="total-completion" />
        <Stat label="Unpriced" value={n(t.unpriced)} id="total-unpriced" warn={t.unpriced > 0} />
        <Stat
          label="Missing usage"
          value={n(t.missing_usage)}
          id="total-missing"
          warn={t.missing_usage > 0}
        />
      </div>
      {t.unpriced + t.missing_usage > 0
        ? (
          <p class="warn">
            Cost covers priced rows only: unpriced rows and rows with missing usage have an unknown
            cost, not $0.
          </p>
        )
        : null}
      <div class="card">
        <h2>Spend by day</h2>
        {ov.byDay.length
          ? <SpendChart days={fillDays(ov.byDay, period, props.now)} />
          : <p class="muted">No requests in this period.</p>}
      </div>
      <Breakdown title="By project" dim="project" lines={ov.byProject} total={t} period={period} />
      <Breakdown title="By model" dim="model" lines={ov.byModel} total={t} period={period} />
      <Breakdown
        title="By provider"
        dim="provider"
        lines={ov.byProvider}
        total={t}
        period={period}
      />
    </Layout>
  );
}

function Stat(props: { label: string; value: string; id: string; warn?: boolean }) {
  return (
    <div class="stat">
      <div class="label">{props.label}</div>
      <div class={props.warn ? "value warn" : "value"} data-testid={props.id}>{props.value}</div>
    </div>
  );
}
