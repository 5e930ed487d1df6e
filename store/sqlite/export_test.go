package sqlite

import (
	"context"
	"fmt"
)

// SetSchemaVersionForTest marks the database as written by another version.
func (s *Store) SetSchemaVersionForTest(ctx context.Context, v int) error {
	_, err := s.write.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v))
	return err
}
