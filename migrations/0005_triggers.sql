-- Triggers (how flows start on their own), the flow switch that turns all of a
-- flow's triggers off, and webhook subscriptions to execution events.

-- Existing flows keep starting as before: the switch is on.
ALTER TABLE flows ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;

-- source 'flow': declared by the flow's current version and written with it;
-- source 'node': a schedule made by a cron node. Rows go with their flow.
CREATE TABLE triggers (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  flow_id TEXT NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  kind TEXT NOT NULL,
  source TEXT NOT NULL,
  flow_version INTEGER NOT NULL,
  config TEXT NOT NULL DEFAULT '{}',
  paused INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX triggers_account ON triggers (account_id, id);
CREATE INDEX triggers_flow ON triggers (flow_id, source, id);
-- The every-minute backstop lists one kind across accounts.
CREATE INDEX triggers_kind ON triggers (kind, id);

-- flow_id narrows a subscription to one flow's runs; no foreign key, so a
-- subscription outlives a deleted flow (and then matches nothing).
CREATE TABLE webhook_subscriptions (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  events TEXT NOT NULL DEFAULT '[]',
  flow_id TEXT,
  description TEXT,
  secret_ciphertext TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  disabled_reason TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX webhook_subscriptions_account_created ON webhook_subscriptions (account_id, created_at, id);
