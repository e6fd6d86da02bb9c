-- Triggers, the flow switch and webhook subscriptions (mirrors migrations/0005_triggers.sql for D1).

-- Existing flows keep starting as before: the switch is on.
ALTER TABLE flows ADD COLUMN enabled BOOLEAN NOT NULL DEFAULT true;

-- source 'flow': declared by the flow's current version and written with it;
-- source 'node': a schedule made by a cron node. Rows go with their flow.
CREATE TABLE triggers (
  id TEXT COLLATE "C" PRIMARY KEY,
  account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  flow_id TEXT COLLATE "C" NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
  key TEXT COLLATE "C" NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  source TEXT COLLATE "C" NOT NULL,
  flow_version INTEGER NOT NULL,
  config JSONB NOT NULL DEFAULT '{}',
  paused BOOLEAN NOT NULL DEFAULT false,
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX triggers_account ON triggers (account_id, id);
CREATE INDEX triggers_flow ON triggers (flow_id, source, id);
-- The every-minute backstop lists one kind across accounts.
CREATE INDEX triggers_kind ON triggers (kind, id);

-- flow_id narrows a subscription to one flow's runs; no foreign key, so a
-- subscription outlives a deleted flow (and then matches nothing).
CREATE TABLE webhook_subscriptions (
  id TEXT COLLATE "C" PRIMARY KEY,
  account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  events JSONB NOT NULL DEFAULT '[]',
  flow_id TEXT COLLATE "C",
  description TEXT,
  secret_ciphertext TEXT NOT NULL,
  enabled BOOLEAN NOT NULL DEFAULT true,
  disabled_reason TEXT,
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX webhook_subscriptions_account_created ON webhook_subscriptions (account_id, created_at, id);
