-- Webhooks: the endpoints, the outbox and the deliveries.
CREATE TABLE webhooks (
    id           TEXT PRIMARY KEY,
    url          TEXT NOT NULL,
    events       TEXT NOT NULL, -- JSON arrays
    flags        TEXT NOT NULL,
    environments TEXT NOT NULL,
    disabled     INTEGER NOT NULL,
    secret       TEXT NOT NULL,
    version      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- The outbox: a copy of every audit event written while an endpoint
-- exists, made by the trigger below in the audit insert's own transaction,
-- so that a committed change always has its event and retention of the
-- audit cannot lose one not yet dispatched. seq is the store's order.
CREATE TABLE webhook_outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL,
    "time"       INTEGER NOT NULL,
    actor_type   TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_name   TEXT NOT NULL,
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    target_name  TEXT NOT NULL,
    environment  TEXT NOT NULL,
    "before"     TEXT,
    "after"      TEXT,
    request_id   TEXT NOT NULL,
    before_diff  TEXT
);
CREATE TRIGGER audit_webhook_outbox AFTER INSERT ON audit
WHEN EXISTS (SELECT 1 FROM webhooks)
BEGIN
    INSERT INTO webhook_outbox (id, "time", actor_type, actor_id, actor_name, action, target_type,
        target_id, target_name, environment, "before", "after", request_id, before_diff)
    VALUES (NEW.id, NEW."time", NEW.actor_type, NEW.actor_id, NEW.actor_name, NEW.action, NEW.target_type,
        NEW.target_id, NEW.target_name, NEW.environment, NEW."before", NEW."after", NEW.request_id, NEW.before_diff);
END;

-- One row per event and endpoint: the queue (state 'pending', leased to a
-- worker until lease_until) and the delivery log.
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    event_id         TEXT NOT NULL,
    action           TEXT NOT NULL,
    target_type      TEXT NOT NULL,
    target_id        TEXT NOT NULL,
    target_name      TEXT NOT NULL,
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    next_attempt_at  INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    last_attempt_at  INTEGER,
    response_status  INTEGER NOT NULL,
    latency_ms       INTEGER NOT NULL,
    response_excerpt TEXT NOT NULL,
    error            TEXT NOT NULL,
    redelivery_of    TEXT NOT NULL,
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_until      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_id, target_type, target_id, seq);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, created_at);
