package sqlite

import (
	"context"
	"time"

	ff "github.com/featureflags/featureflags"
)

var _ ff.UsagePruner = (*Store)(nil)

// PruneUsage deletes the buckets of hours before before (usage_hour_idx
// finds them), moving no revision.
func (s *Store) PruneUsage(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, `DELETE FROM usage WHERE hour < ?`, before.Unix())
	if err != nil {
		return 0, translate(err)
	}
	n, err := res.RowsAffected()
	return n, translate(err)
}
