-- Security audit log: logins, token, flow and secret changes, run starts.
-- account_id is NULL for failed logins with a username that matches no
-- account; such rows are never listed through the API. No foreign key to
-- accounts: the trail is meant to outlive what it describes.
CREATE TABLE audit_log (
  id TEXT COLLATE "C" PRIMARY KEY,
  account_id TEXT COLLATE "C",
  time TEXT COLLATE "C" NOT NULL,
  actor TEXT,
  action TEXT COLLATE "C" NOT NULL,
  target_type TEXT,
  target_id TEXT,
  ip TEXT,
  details JSON NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_account_time ON audit_log (account_id, time, id);
CREATE INDEX audit_log_account_action_time ON audit_log (account_id, action, time, id);
