-- Model tokens a run consumed (mirrors migrations/0007_execution_tokens.sql for D1), kept on its index row for metrics.
ALTER TABLE executions ADD COLUMN tokens INTEGER NOT NULL DEFAULT 0;
-- The operator's service-wide metrics read every account's runs of the last day.
CREATE INDEX executions_created ON executions (created_at);
