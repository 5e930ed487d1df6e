-- Scheduled changes, one row per step (run_at, ran_at: Unix milliseconds;
-- change, created_by: JSON). A step is claimed by the conditional update
-- of its status from 'pending'.
CREATE TABLE schedules (
    schedule_id  TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    flag_id      TEXT NOT NULL,
    flag_name    TEXT NOT NULL,
    environment  TEXT NOT NULL,
    run_at       INTEGER NOT NULL,
    change       TEXT NOT NULL,
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    ran_at       INTEGER,
    flag_version INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (schedule_id, seq)
);
CREATE INDEX schedules_due_idx ON schedules (status, run_at);
CREATE INDEX schedules_flag_idx ON schedules (flag_id, environment, status);
