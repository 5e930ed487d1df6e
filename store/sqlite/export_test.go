package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	ff "github.com/featureflags/featureflags"
)

// SetSchemaVersionForTest marks the database as written by another version.
func (s *Store) SetSchemaVersionForTest(ctx context.Context, v int) error {
	_, err := s.write.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v))
	return err
}

// FailNextGroupCommit makes the next group's COMMIT fail, as SQLite's own:
// it leaves a row whose foreign key is checked at commit time, and fails
// the commit on it.
func (s *Store) FailNextGroupCommit() {
	s.beforeCommit = func(ctx context.Context, tx *sql.Tx) error {
		s.beforeCommit = nil
		if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
			return err
		}
		return insertDelivery(ctx, tx, &ff.WebhookDelivery{ID: "orphan", WebhookID: "no-such-webhook"})
	}
}
