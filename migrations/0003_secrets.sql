-- The vault: one data key per account, wrapped by a master key (kid names
-- which), and secrets encrypted with the account's data key. No plaintext
-- value is ever stored.
CREATE TABLE account_keys (
  account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
  kid TEXT NOT NULL,
  wrapped TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX account_keys_kid ON account_keys (kid);

CREATE TABLE secrets (
  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  type TEXT NOT NULL,
  description TEXT,
  tags TEXT NOT NULL DEFAULT '[]',
  ciphertext TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_used_at TEXT,
  PRIMARY KEY (account_id, key)
);
