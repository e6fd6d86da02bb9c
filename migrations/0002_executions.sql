-- One summary row per execution, written by the execution object at state
-- transitions (never per step). Steps, events and logs live in the object.
CREATE TABLE executions (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  flow_id TEXT NOT NULL,
  flow_version INTEGER NOT NULL,
  status TEXT NOT NULL,
  trigger TEXT NOT NULL,
  parent_id TEXT,
  current_nodes TEXT NOT NULL DEFAULT '[]',
  error TEXT,
  output_preview TEXT,
  step_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX executions_account_created ON executions (account_id, created_at, id);
CREATE INDEX executions_account_flow ON executions (account_id, flow_id, created_at);
CREATE INDEX executions_account_status ON executions (account_id, status, created_at);
