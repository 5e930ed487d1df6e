-- One row holding the store's revision. Every write increments it in its own
-- transaction, as late as it can: the row lock serialises writers until they
-- commit. Readers see the revision and the data of one snapshot.
CREATE TABLE featureflags_meta (
    id       integer NOT NULL DEFAULT 1,
    revision bigint NOT NULL,
    CONSTRAINT featureflags_meta_pkey PRIMARY KEY (id),
    CONSTRAINT featureflags_meta_one_row CHECK (id = 1)
);
INSERT INTO featureflags_meta (id, revision) VALUES (1, 0);
