/** @module The request list: filters (project, model, provider, status, period) and pagination. */
import { formatUsd } from "../../shared/money.ts";
import type { StoredRow } from "../store/store.ts";
import { STATUS_FILTERS } from "../store/reports.ts";
import { n, PeriodPicker } from "./components.tsx";
import { Layout } from "./layout.tsx";
import { type ListQuery, type PagePeriod, periodParams, qs } from "./params.ts";

/** Rows per page. */
export const PAGE_SIZE = 50;

/** Renders one page of the request list. */
export function RequestsPage(props: {
  rows: StoredRow[];
  total: number;
  query: ListQuery;
  period: PagePeriod;
  facets: { projects: string[]; models: string[]; providers: string[] };
}) {
  const { query, period } = props;
  const pages = Math.max(1, Math.ceil(props.total / PAGE_SIZE));
  const filters = {
    project: query.project,
    model: query.model,
    provider: query.provider,
    status: query.status,
  };
  const link = (page: number) => "/requests" + qs({ ...periodParams(period), ...filters, page });
  return (
    <Layout title="Requests" active="requests">
      <h1>Requests</h1>
      <PeriodPicker base="/requests" period={period} extra={filters} />
      <form method="get" action="/requests" class="filters card" data-testid="filters">
        {Object.entries(periodParams(period)).map(([k, v]) => (
          <input type="hidden" name={k} value={v} />
        ))}
        <Select name="project" value={query.project} options={props.facets.projects} />
        <Select name="model" value={query.model} options={props.facets.models} />
        <Select name="provider" value={query.provider} options={props.facets.providers} />
        <Select name="status" value={query.status} options={[...STATUS_FILTERS]} />
        <button type="submit">Filter</button>
        <a href={"/requests" + qs(periodParams(period))}>Clear</a>
      </form>
      <div class="card">
        <div class="muted" data-testid="match-count">
          {n(props.total)} {props.total === 1 ? "request" : "requests"}
        </div>
        <table data-testid="request-table">
          <thead>
            <tr>
              <th>time (UTC)</th>
              <th>project</th>
              <th>provider</th>
              <th>model</th>
              <th class="num">status</th>
              <th class="num">prompt</th>
              <th class="num">completion</th>
              <th class="num">cost</th>
              <th>usage</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((r) => (
              <tr data-id={r.request_id}>
                <td>
                  <a href={`/requests/${r.request_id}`}>
                    {r.timestamp.replace("T", " ").slice(0, 19)}
                  </a>
                </td>
                <td>{r.project_id ?? "unattributed"}</td>
                <td>{r.provider ?? "—"}</td>
                <td>{r.model ?? r.requested_model ?? "—"}</td>
                <td
                  class={(r.status_code ?? 0) >= 400 || r.outcome !== "complete"
                    ? "num bad"
                    : "num"}
                >
                  {r.status_code ?? r.outcome}
                </td>
                <td class="num">{n(r.prompt_tokens)}</td>
                <td class="num">{n(r.completion_tokens)}</td>
                <td class="num" data-col="cost">
                  {r.cost_usd_millicents === null
                    ? <span class="warn">{r.usage_status === "ok" ? "unpriced" : "unknown"}</span>
                    : formatUsd(r.cost_usd_millicents)}
                </td>
                <td>{r.usage_status ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div class="pager" data-testid="pager">
          {query.page > 1 ? <a href={link(query.page - 1)} rel="prev">← Newer</a> : null}
          <span>Page {query.page} of {pages}</span>
          {query.page < pages ? <a href={link(query.page + 1)} rel="next">Older →</a> : null}
        </div>
      </div>
    </Layout>
  );
}

function Select(props: { name: string; value: string | null; options: string[] }) {
  const opts = props.value && !props.options.includes(props.value)
    ? [props.value, ...props.options]
    : props.options;
  return (
    <label>
      {props.name}
      <select name={props.name}>
        <option value="">any</option>
        {opts.map((o) => (
          <option value={o} selected={o === props.value}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}
