-- An update's audit event keeps its after in full and, in place of its
-- before, a JSON merge patch turning the after into the before (see
-- store/internal/codec/diff.go): one copy of the item, not two. Older
-- events keep their before in full.
ALTER TABLE audit ADD COLUMN before_diff TEXT; -- JSON, NULL when "before" is in full
-- The audit log stays append-only for writes; PruneAudit, the retention a
-- deployment may set, deletes old events.
