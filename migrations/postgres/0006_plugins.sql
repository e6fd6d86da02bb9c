-- Plugins (mirrors migrations/0006_plugins.sql for D1). Plugins an account stores (kinds js and http): the newest version in plugins,
-- every version in plugin_versions (runs stay pinned to the version they started with).
CREATE TABLE plugins (
  account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name TEXT COLLATE "C" NOT NULL,
  version INTEGER NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  manifest JSON NOT NULL,
  source TEXT,
  url TEXT,
  secret_ciphertext TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  PRIMARY KEY (account_id, name)
);

CREATE TABLE plugin_versions (
  account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  name TEXT COLLATE "C" NOT NULL,
  version INTEGER NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  manifest JSON NOT NULL,
  source TEXT,
  url TEXT,
  secret_ciphertext TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  PRIMARY KEY (account_id, name, version)
);
