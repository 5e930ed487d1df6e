package postgres

import (
	"context"
	"time"

	ff "github.com/featureflags/featureflags"
)

var _ ff.UsagePruner = (*Store)(nil)

// PruneUsage deletes the buckets of hours before before, moving no
// revision.
func (s *Store) PruneUsage(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM usage WHERE hour < $1`, before.Unix())
	if err != nil {
		return 0, translate(err)
	}
	return tag.RowsAffected(), nil
}
