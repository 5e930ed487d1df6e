-- Scheduled changes, one row per step (run_at, ran_at: Unix milliseconds).
-- A step is claimed by SELECT ... FOR UPDATE SKIP LOCKED in the transaction
-- that runs it.
CREATE TABLE schedules (
    schedule_id  text COLLATE "C" NOT NULL,
    seq          integer NOT NULL,
    flag_id      text COLLATE "C" NOT NULL,
    flag_name    text NOT NULL,
    environment  text COLLATE "C" NOT NULL,
    run_at       bigint NOT NULL,
    change       jsonb NOT NULL,
    status       text COLLATE "C" NOT NULL,
    reason       text NOT NULL,
    ran_at       bigint,
    flag_version bigint NOT NULL,
    created_by   jsonb NOT NULL,
    created_at   bigint NOT NULL,
    CONSTRAINT schedules_pkey PRIMARY KEY (schedule_id, seq)
);
CREATE INDEX schedules_due_idx ON schedules (status, run_at);
CREATE INDEX schedules_flag_idx ON schedules (flag_id, environment, status);
