-- Webhooks: the endpoints, the outbox and the deliveries.
CREATE TABLE webhooks (
    id           text COLLATE "C" NOT NULL,
    url          text NOT NULL,
    events       text NOT NULL, -- JSON arrays
    flags        text NOT NULL,
    environments text NOT NULL,
    disabled     boolean NOT NULL,
    secret       text NOT NULL,
    version      bigint NOT NULL,
    created_at   bigint NOT NULL,
    updated_at   bigint NOT NULL,
    CONSTRAINT webhooks_pkey PRIMARY KEY (id)
);

-- The outbox: a copy of every audit event written while an endpoint
-- exists, made by the trigger below in the audit insert's own transaction,
-- so that a committed change always has its event and retention of the
-- audit cannot lose one not yet dispatched. seq is the store's order: it is
-- taken as the event is written, at the end of the change's transaction,
-- after the change locked its row, so two changes of one flag take their
-- seqs in the order they commit.
CREATE TABLE webhook_outbox (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    before_diff json
);
CREATE FUNCTION webhook_outbox_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM webhooks) THEN
        INSERT INTO webhook_outbox (id, "time", actor_type, actor_id, actor_name, action, target_type,
            target_id, target_name, environment, "before", "after", request_id, before_diff)
        VALUES (NEW.id, NEW."time", NEW.actor_type, NEW.actor_id, NEW.actor_name, NEW.action, NEW.target_type,
            NEW.target_id, NEW.target_name, NEW.environment, NEW."before", NEW."after", NEW.request_id, NEW.before_diff);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_webhook_outbox AFTER INSERT ON audit
    FOR EACH ROW EXECUTE FUNCTION webhook_outbox_copy();

-- One row per event and endpoint: the queue (state 'pending', leased to a
-- worker until lease_until) and the delivery log.
CREATE TABLE webhook_deliveries (
    id               text COLLATE "C" NOT NULL,
    webhook_id       text COLLATE "C" NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    seq              bigint NOT NULL,
    event_id         text NOT NULL,
    action           text NOT NULL,
    target_type      text NOT NULL,
    target_id        text NOT NULL,
    target_name      text NOT NULL,
    payload          text NOT NULL,
    state            text NOT NULL,
    attempts         integer NOT NULL,
    next_attempt_at  bigint NOT NULL,
    created_at       bigint NOT NULL,
    last_attempt_at  bigint,
    response_status  integer NOT NULL,
    latency_ms       bigint NOT NULL,
    response_excerpt text NOT NULL,
    error            text NOT NULL,
    redelivery_of    text NOT NULL,
    lease_owner      text NOT NULL DEFAULT '',
    lease_until      bigint NOT NULL DEFAULT 0,
    CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_id, target_type, target_id, seq);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, created_at);
