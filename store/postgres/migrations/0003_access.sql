-- API tokens and environment keys: only the hash of a secret is kept.
CREATE TABLE tokens (
    id           text COLLATE "C" NOT NULL,
    name         text NOT NULL,
    role         text NOT NULL,
    environment  text NOT NULL, -- '' unless an environment key
    hash         text NOT NULL, -- hex SHA-256 of the secret
    created_at   bigint NOT NULL,
    expires_at   bigint,        -- NULL: never
    last_used_at bigint,        -- NULL: never used
    revoked_at   bigint,        -- NULL: not revoked
    CONSTRAINT tokens_pkey PRIMARY KEY (id),
    CONSTRAINT tokens_hash_key UNIQUE (hash)
);
CREATE INDEX tokens_created_idx ON tokens (created_at, id);

-- The audit log, written by every change in its transaction. It is
-- append-only: the store has no statement that updates or deletes a row.
-- before and after are json, not jsonb, so that they come back byte for
-- byte as written. Ids order byte-wise (COLLATE "C"), as in SQLite, for the
-- ("time", id) order of ListAudit.
CREATE TABLE audit (
    id          text COLLATE "C" NOT NULL,
    "time"      bigint NOT NULL,
    actor_type  text NOT NULL,
    actor_id    text NOT NULL,
    actor_name  text NOT NULL,
    action      text NOT NULL,
    target_type text NOT NULL,
    target_id   text NOT NULL,
    target_name text NOT NULL,
    environment text NOT NULL,
    "before"    json,
    "after"     json,
    request_id  text NOT NULL,
    CONSTRAINT audit_pkey PRIMARY KEY (id)
);
-- Newest first by ("time", id), alone or after an equality filter.
CREATE INDEX audit_time_idx ON audit ("time", id);
CREATE INDEX audit_target_idx ON audit (target_id, "time", id);
CREATE INDEX audit_environment_idx ON audit (environment, "time", id);
CREATE INDEX audit_actor_id_idx ON audit (actor_id, "time", id);
CREATE INDEX audit_actor_name_idx ON audit (actor_name, "time", id);
