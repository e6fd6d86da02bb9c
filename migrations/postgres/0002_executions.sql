-- One summary row per execution, written by the execution object at state
-- transitions (never per step). Steps, events and logs live in the object.
CREATE TABLE executions (
  id TEXT COLLATE "C" PRIMARY KEY,
  account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  flow_id TEXT COLLATE "C" NOT NULL,
  flow_version INTEGER NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  trigger TEXT NOT NULL,
  parent_id TEXT COLLATE "C",
  current_nodes JSONB NOT NULL DEFAULT '[]',
  error JSON,
  output_preview TEXT,
  step_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL,
  finished_at TEXT COLLATE "C"
);
CREATE INDEX executions_account_created ON executions (account_id, created_at, id);
CREATE INDEX executions_account_flow ON executions (account_id, flow_id, created_at, id);
CREATE INDEX executions_account_status ON executions (account_id, status, created_at, id);
