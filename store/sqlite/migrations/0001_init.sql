CREATE TABLE environments (
    name       TEXT PRIMARY KEY,
    position   INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE flags (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    description  TEXT NOT NULL,
    type         TEXT NOT NULL,
    variants     TEXT NOT NULL, -- JSON object: variant name -> value
    environments TEXT NOT NULL, -- JSON object: environment -> bool
    targeting    TEXT NOT NULL, -- JSON object: environment -> targeting
    tags         TEXT NOT NULL, -- JSON array
    version      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL, -- Unix milliseconds
    updated_at   INTEGER NOT NULL
);

CREATE TABLE segments (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    match       TEXT NOT NULL,
    conditions  TEXT NOT NULL, -- JSON array
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
