-- 0001_init: the server's first schema. Accounts, workspaces, devices and pairing, the request
-- rows devices upload (re-priced here), opt-in bodies, pricing rates with effective dates,
-- daemon totals for drift checks, and an append-only audit log enforced by a trigger.
-- Portable SQL: runs on PostgreSQL 15-18 and on PGlite.

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));

CREATE TABLE workspaces (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text NOT NULL,
  tier text NOT NULL DEFAULT 'solo' CHECK (tier IN ('solo', 'team', 'enterprise')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  user_id uuid NOT NULL REFERENCES users (id),
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer', 'billing')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE sessions (
  id_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id),
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

CREATE TABLE devices (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  machine_id text NOT NULL,
  hostname text NOT NULL,
  daemon_version text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'revoked')),
  user_id uuid REFERENCES users (id),
  token_hash text UNIQUE,
  paired_at timestamptz NOT NULL,
  last_sync_at timestamptz,
  UNIQUE (workspace_id, machine_id)
);

CREATE TABLE pairing_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  poll_secret_hash text NOT NULL,
  code text NOT NULL,
  machine_id text NOT NULL,
  hostname text NOT NULL,
  daemon_version text NOT NULL,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'approved', 'consumed', 'denied', 'cancelled')),
  workspace_id uuid REFERENCES workspaces (id),
  device_id uuid REFERENCES devices (id),
  decided_by uuid REFERENCES users (id),
  client_ip text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  last_polled_at timestamptz,
  decided_at timestamptz
);
CREATE UNIQUE INDEX pairing_requests_code ON pairing_requests (code);
CREATE INDEX pairing_requests_machine ON pairing_requests (machine_id) WHERE status IN ('pending', 'approved');

CREATE TABLE rate_limit_events (
  key text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX rate_limit_events_key_at ON rate_limit_events (key, at);

CREATE TABLE pricing_rates (
  id bigserial PRIMARY KEY,
  provider text NOT NULL,
  model text NOT NULL,
  effective_from timestamptz NOT NULL,
  pricing_version text NOT NULL,
  rate jsonb NOT NULL,
  UNIQUE (provider, model, effective_from)
);

CREATE TABLE requests (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  request_id uuid NOT NULL,
  device_id uuid NOT NULL REFERENCES devices (id),
  received_at timestamptz NOT NULL,
  ts timestamptz NOT NULL,
  provider text NOT NULL,
  model text,
  requested_model text,
  method text NOT NULL,
  path text NOT NULL,
  status_code integer,
  prompt_tokens bigint,
  completion_tokens bigint,
  cache_read_tokens bigint,
  cache_write_tokens bigint,
  cache_write_5m_tokens bigint,
  cache_write_1h_tokens bigint,
  reasoning_tokens bigint,
  web_search_requests bigint,
  usage_status text,
  batch boolean NOT NULL DEFAULT false,
  service_tier text,
  cost_usd_millicents bigint,
  unpriced boolean NOT NULL,
  pricing_version text,
  daemon_cost_usd_millicents bigint,
  daemon_priced boolean,
  daemon_pricing_version text,
  project_id text,
  attribution_method text,
  hostname text,
  prompt_hash text,
  provider_request_id text,
  latency_ms bigint,
  ttfb_ms bigint,
  user_agent text,
  source_workdir text,
  PRIMARY KEY (workspace_id, request_id)
);
CREATE INDEX requests_workspace_ts ON requests (workspace_id, ts);

CREATE TABLE request_bodies (
  workspace_id uuid NOT NULL,
  request_id uuid NOT NULL,
  direction text NOT NULL CHECK (direction IN ('request', 'response')),
  content text NOT NULL,
  bytes integer NOT NULL,
  redaction_applied boolean NOT NULL,
  uploaded_at timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, request_id, direction),
  FOREIGN KEY (workspace_id, request_id) REFERENCES requests (workspace_id, request_id)
);

CREATE TABLE daemon_totals (
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  device_id uuid NOT NULL REFERENCES devices (id),
  day date NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  cost_usd_millicents bigint NOT NULL,
  rows bigint NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (device_id, day, provider, model)
);

CREATE TABLE audit_events (
  id bigserial PRIMARY KEY,
  workspace_id uuid,
  actor_type text NOT NULL CHECK (actor_type IN ('user', 'device', 'system')),
  actor_id text,
  action text NOT NULL,
  target_type text,
  target_id text,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  ip text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_workspace_at ON audit_events (workspace_id, at);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_events_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
