-- Model tokens a run consumed (the sum of its steps' usage), kept on its index row for metrics.
ALTER TABLE executions ADD COLUMN tokens INTEGER NOT NULL DEFAULT 0;
-- The operator's service-wide metrics read every account's runs of the last day.
CREATE INDEX executions_created ON executions (created_at);
