-- Names are compared and ordered byte-wise (COLLATE "C"), as SQLite does, so
-- that every store lists flags and segments in the same order. Times are Unix
-- milliseconds, as in SQLite, so an export from one store imports exactly
-- into another.

CREATE TABLE environments (
    name       text COLLATE "C" NOT NULL,
    -- position gives the creation order ListEnvironments returns.
    position   bigint GENERATED ALWAYS AS IDENTITY,
    created_at bigint NOT NULL,
    CONSTRAINT environments_pkey PRIMARY KEY (name),
    CONSTRAINT environments_position_key UNIQUE (position)
);

CREATE TABLE flags (
    id           text NOT NULL,
    name         text COLLATE "C" NOT NULL,
    description  text NOT NULL,
    type         text NOT NULL,
    variants     jsonb NOT NULL, -- object: variant name -> value
    environments jsonb NOT NULL, -- object: environment -> boolean
    targeting    jsonb NOT NULL, -- object: environment -> targeting
    tags         jsonb NOT NULL, -- array of strings
    version      bigint NOT NULL,
    created_at   bigint NOT NULL,
    updated_at   bigint NOT NULL,
    CONSTRAINT flags_pkey PRIMARY KEY (id),
    CONSTRAINT flags_name_key UNIQUE (name)
);

CREATE TABLE segments (
    id          text NOT NULL,
    name        text COLLATE "C" NOT NULL,
    description text NOT NULL,
    match       text NOT NULL,
    conditions  jsonb NOT NULL, -- array of conditions
    version     bigint NOT NULL,
    created_at  bigint NOT NULL,
    updated_at  bigint NOT NULL,
    CONSTRAINT segments_pkey PRIMARY KEY (id),
    CONSTRAINT segments_name_key UNIQUE (name)
);
