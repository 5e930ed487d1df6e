-- Environment settings: protected environments and approvals.
ALTER TABLE environments ADD COLUMN protected boolean NOT NULL DEFAULT false;
ALTER TABLE environments ADD COLUMN require_approval integer NOT NULL DEFAULT 0;
ALTER TABLE environments ADD COLUMN approval_admins_bypass boolean NOT NULL DEFAULT false;
-- production is protected by default, in databases made before this too.
UPDATE environments SET protected = true WHERE name = 'production';

-- Change requests awaiting approval: the request as one JSON document,
-- with the columns lists and conditional updates need beside it.
CREATE TABLE change_requests (
    id         text COLLATE "C" PRIMARY KEY,
    flag_id    text COLLATE "C" NOT NULL,
    status     text COLLATE "C" NOT NULL,
    version    bigint NOT NULL,
    created_at bigint NOT NULL, -- Unix milliseconds
    doc        jsonb NOT NULL
);
CREATE INDEX change_requests_status ON change_requests (status, created_at, id);
