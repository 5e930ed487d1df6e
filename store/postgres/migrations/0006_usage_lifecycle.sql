-- Evaluation counts in hourly buckets (hour: Unix seconds of its start).
-- Bookkeeping: written by the usage flush, never audited, no revision.
CREATE TABLE usage (
    flag_id     text COLLATE "C" NOT NULL,
    environment text COLLATE "C" NOT NULL,
    hour        bigint NOT NULL,
    variant     text COLLATE "C" NOT NULL,
    reason      text COLLATE "C" NOT NULL,
    error_code  text COLLATE "C" NOT NULL,
    count       bigint NOT NULL,
    CONSTRAINT usage_pkey PRIMARY KEY (flag_id, environment, hour, variant, reason, error_code)
);
CREATE INDEX usage_hour_idx ON usage (hour);

-- A flag's owner, kind, expiry and archive time, as one JSON object.
ALTER TABLE flags ADD COLUMN lifecycle jsonb NOT NULL DEFAULT '{}';
