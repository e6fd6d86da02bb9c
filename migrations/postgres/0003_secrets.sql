-- The vault: one data key per account, wrapped by a master key (kid names
-- which), and secrets encrypted with the account's data key. No plaintext
-- value is ever stored.
CREATE TABLE account_keys (
  account_id TEXT COLLATE "C" PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  kid TEXT COLLATE "C" NOT NULL,
  wrapped TEXT NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX account_keys_kid ON account_keys (kid);

CREATE TABLE secrets (
  account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  key TEXT COLLATE "C" NOT NULL,
  type TEXT NOT NULL,
  description TEXT,
  tags JSONB NOT NULL DEFAULT '[]',
  ciphertext TEXT NOT NULL,
  created_at TEXT COLLATE "C" NOT NULL,
  updated_at TEXT COLLATE "C" NOT NULL,
  last_used_at TEXT COLLATE "C",
  PRIMARY KEY (account_id, key)
);
