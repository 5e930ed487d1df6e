-- API tokens and environment keys: only the hash of a secret is kept.
CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    environment  TEXT NOT NULL,        -- '' unless an environment key
    hash         TEXT NOT NULL UNIQUE, -- hex SHA-256 of the secret
    created_at   INTEGER NOT NULL,     -- Unix milliseconds
    expires_at   INTEGER,              -- NULL: never
    last_used_at INTEGER,              -- NULL: never used
    revoked_at   INTEGER               -- NULL: not revoked
);
CREATE INDEX tokens_created ON tokens (created_at, id);

-- The audit log, written by every change in its transaction. It is
-- append-only: the store has no statement that updates or deletes a row.
CREATE TABLE audit (
    id          TEXT PRIMARY KEY,
    "time"      INTEGER NOT NULL, -- Unix milliseconds
    actor_type  TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    target_name TEXT NOT NULL,
    environment TEXT NOT NULL,
    "before"    TEXT,             -- JSON, NULL when absent
    "after"     TEXT,             -- JSON, NULL when absent
    request_id  TEXT NOT NULL
);
-- Newest first by ("time", id), alone or after an equality filter.
CREATE INDEX audit_time ON audit ("time", id);
CREATE INDEX audit_target ON audit (target_id, "time", id);
CREATE INDEX audit_environment ON audit (environment, "time", id);
CREATE INDEX audit_actor_id ON audit (actor_id, "time", id);
CREATE INDEX audit_actor_name ON audit (actor_name, "time", id);
