-- 0001: the source of truth. One row per captured exchange, bodies apart, and an outbox the
-- cloud sync worker drains (filled in the same transaction as the row, so nothing is lost).
CREATE TABLE requests (
  request_id            TEXT PRIMARY KEY,
  timestamp             TEXT NOT NULL,           -- ISO-8601 UTC with zone, sortable
  provider              TEXT,                    -- null for non-LLM paths on intercepted hosts
  model                 TEXT,
  requested_model       TEXT,
  method                TEXT NOT NULL,
  host                  TEXT NOT NULL,
  path                  TEXT NOT NULL,
  status_code           INTEGER,
  mode                  TEXT NOT NULL,           -- mitm | base_url | http
  stream                INTEGER NOT NULL DEFAULT 0,
  operation             TEXT,
  prompt_tokens         INTEGER,
  completion_tokens     INTEGER,
  cache_read_tokens     INTEGER,
  cache_write_tokens    INTEGER,
  cache_write_5m_tokens INTEGER,
  cache_write_1h_tokens INTEGER,
  reasoning_tokens      INTEGER,
  web_search_requests   INTEGER,
  usage_status          TEXT,                    -- ok | missing | incomplete | unparsed
  batch                 INTEGER NOT NULL DEFAULT 0,
  billable              INTEGER NOT NULL DEFAULT 1,
  service_tier          TEXT,
  inference_geo         TEXT,
  speed                 TEXT,
  cost_usd_millicents   INTEGER,                 -- null when unpriced or usage unknown
  priced                INTEGER NOT NULL DEFAULT 0,
  pricing_version       TEXT,
  provider_request_id   TEXT,
  project_id            TEXT,
  attribution_method    TEXT,
  attribution_trail     TEXT,                    -- JSON: each resolver's answer
  hostname              TEXT,
  prompt_hash           TEXT,
  user_agent            TEXT,
  error                 TEXT,
  outcome               TEXT NOT NULL DEFAULT 'complete',
  -- local-only fields, never uploaded unless explicitly enabled
  source_workdir        TEXT,
  client_pid            INTEGER,
  latency_ms            INTEGER,
  ttfb_ms               INTEGER,
  request_bytes         INTEGER,
  response_bytes        INTEGER
);
CREATE INDEX requests_timestamp ON requests (timestamp);

CREATE TABLE request_bodies (
  request_id   TEXT NOT NULL,
  direction    TEXT NOT NULL CHECK (direction IN ('request', 'response')),
  content_type TEXT,
  content      BLOB,
  bytes        INTEGER NOT NULL,                 -- original size on the wire (decoded)
  truncated    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (request_id, direction)
);

CREATE TABLE outbox (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  request_id TEXT NOT NULL UNIQUE
);
