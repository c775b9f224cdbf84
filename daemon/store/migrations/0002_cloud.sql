-- 0002: cloud sync. Why: a paired daemon keeps its pairing (the API key only as Fernet ciphertext),
-- the worker's persisted state (pause reason, last sync, last error) and marks for rows and bodies
-- it decided never to send, so the outbox never loops on them and `cloud status` can explain.
CREATE TABLE cloud_state (
  id                   INTEGER PRIMARY KEY CHECK (id = 1),   -- one pairing per daemon
  api_key_ciphertext   TEXT NOT NULL,                        -- Fernet token (key in cloud.key)
  base_url             TEXT NOT NULL,
  workspace_id         TEXT NOT NULL,
  workspace_slug       TEXT,
  workspace_name       TEXT,
  workspace_tier       TEXT,
  machine_id           TEXT NOT NULL,
  hostname             TEXT NOT NULL,                        -- snapshot at pairing time
  paired_at            TEXT NOT NULL,
  state                TEXT NOT NULL DEFAULT 'ACTIVE',       -- last state the worker reported
  paused_reason        TEXT,                                 -- paused_manual | paused_unauthorised | paused_forbidden
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  last_sync_at         TEXT,
  last_reconcile_at    TEXT,
  last_error           TEXT,
  last_error_at        TEXT,
  updated_at           TEXT NOT NULL
);

-- Rows taken out of the outbox without being accepted: rejected by the server, invalid on the
-- wire, not an LLM exchange, or from a project whose upload is off.
CREATE TABLE cloud_row_marks (
  request_id TEXT PRIMARY KEY,
  status     TEXT NOT NULL,        -- rejected | invalid | skipped_project | skipped_not_llm
  detail     TEXT,
  marked_at  TEXT NOT NULL
);

-- Body uploads: one mark per (request, direction) once uploaded or skipped for good.
CREATE TABLE cloud_body_marks (
  request_id TEXT NOT NULL,
  direction  TEXT NOT NULL,
  status     TEXT NOT NULL,        -- uploaded | skipped_cap | skipped_project | rejected
  detail     TEXT,
  marked_at  TEXT NOT NULL,
  PRIMARY KEY (request_id, direction)
);
