-- Retention (mirrors migrations/0008_retention.sql for D1). An account may
-- override the server's RETENTION_DAYS for its finished runs (NULL: follow
-- the server; 0: keep forever). Deleting a run deletes the audit rows that
-- target it (audit_log_target), and the minute cron deletes audit rows older
-- than their retention (audit_log_time).
ALTER TABLE accounts ADD COLUMN retention_days INTEGER;
CREATE INDEX audit_log_target ON audit_log (target_id) WHERE target_id IS NOT NULL;
CREATE INDEX audit_log_time ON audit_log (time);
