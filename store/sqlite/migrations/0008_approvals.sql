-- Environment settings: protected environments and approvals.
ALTER TABLE environments ADD COLUMN protected INTEGER NOT NULL DEFAULT 0;
ALTER TABLE environments ADD COLUMN require_approval INTEGER NOT NULL DEFAULT 0;
ALTER TABLE environments ADD COLUMN approval_admins_bypass INTEGER NOT NULL DEFAULT 0;
-- production is protected by default, in databases made before this too.
UPDATE environments SET protected = 1 WHERE name = 'production';

-- Change requests awaiting approval: the request as one JSON document,
-- with the columns lists and conditional updates need beside it.
CREATE TABLE change_requests (
    id         TEXT PRIMARY KEY,
    flag_id    TEXT NOT NULL,
    status     TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL, -- Unix milliseconds
    doc        TEXT NOT NULL
);
CREATE INDEX change_requests_status ON change_requests (status, created_at, id);
