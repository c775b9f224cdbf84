-- 0003: reports. Why: `report`, the dashboard overview and their breakdowns scan a time range and
-- aggregate tokens and cost by project, model, provider, day, hostname or attribution method. This
-- covering index holds every column those queries read, so they never touch the (wide) table rows.
CREATE INDEX requests_report ON requests (
  timestamp, project_id, provider, model, requested_model, hostname, attribution_method,
  usage_status, cost_usd_millicents, prompt_tokens, completion_tokens, cache_read_tokens,
  cache_write_tokens, cache_write_5m_tokens, cache_write_1h_tokens, reasoning_tokens,
  web_search_requests
);
