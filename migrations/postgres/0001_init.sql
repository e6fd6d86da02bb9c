-- Accounts, API tokens, flows and their versions (mirrors migrations/0001_init.sql for D1).
-- Times are ISO-8601 text, as on D1, so they sort and compare the same way;
-- key and sort columns use the "C" collation (byte order, like SQLite and DynamoDB).
CREATE TABLE accounts (
  id TEXT COLLATE "C" PRIMARY KEY,
  username TEXT COLLATE "C" NOT NULL,
  password_hash TEXT NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX accounts_username ON accounts (username);

CREATE TABLE api_tokens (
  id TEXT COLLATE "C" PRIMARY KEY,
  account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  token_hash TEXT COLLATE "C" NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  expires_at TEXT COLLATE "C",
  last_used_at TEXT COLLATE "C",
  revoked_at TEXT COLLATE "C"
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_account ON api_tokens (account_id, created_at, id);

CREATE TABLE flows (
  id TEXT COLLATE "C" PRIMARY KEY,
  account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT,
  version INTEGER NOT NULL,
  content TEXT NOT NULL,
  tags JSONB NOT NULL DEFAULT '[]',
  category TEXT,
  status TEXT NOT NULL DEFAULT 'draft',
  custom JSON NOT NULL DEFAULT '{}',
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX flows_account_created ON flows (account_id, created_at, id);

CREATE TABLE flow_versions (
  flow_id TEXT COLLATE "C" NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
  account_id TEXT COLLATE "C" NOT NULL,
  version INTEGER NOT NULL,
  content TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  created_at TEXT COLLATE "C" NOT NULL,
  created_by TEXT NOT NULL,
  PRIMARY KEY (flow_id, version)
);
