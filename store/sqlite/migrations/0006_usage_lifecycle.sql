-- Evaluation counts in hourly buckets (hour: Unix seconds of its start).
-- Bookkeeping: written by the usage flush, never audited, no revision.
CREATE TABLE usage (
    flag_id     TEXT NOT NULL,
    environment TEXT NOT NULL,
    hour        INTEGER NOT NULL,
    variant     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    error_code  TEXT NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (flag_id, environment, hour, variant, reason, error_code)
);
CREATE INDEX usage_hour_idx ON usage (hour);

-- A flag's owner, kind, expiry and archive time, as one JSON object.
ALTER TABLE flags ADD COLUMN lifecycle TEXT NOT NULL DEFAULT '{}';
