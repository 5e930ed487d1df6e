package sqlite

import (
	"context"
	"database/sql"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
)

var _ ff.UsageStore = (*Store)(nil)

// AddUsage adds the buckets' counts in one transaction, which neither
// writes an audit event nor moves the revision.
func (s *Store) AddUsage(ctx context.Context, buckets []ff.UsageBucket) error {
	merged := codec.MergeUsage(buckets)
	if len(merged) == 0 {
		return nil
	}
	return s.rawTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, codec.UsageUpsert("?"))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i := range merged {
			if _, err := stmt.ExecContext(ctx, codec.UsageArgs(&merged[i])...); err != nil {
				return err
			}
		}
		return nil
	})
}

// Usage returns the buckets f selects.
func (s *Store) Usage(ctx context.Context, f ff.UsageFilter) ([]ff.UsageBucket, error) {
	query, args := codec.UsageQuery(f, "?")
	return s.queryUsage(ctx, query, args...)
}

// LastUsage returns every flag and environment's latest hour of usage.
func (s *Store) LastUsage(ctx context.Context) ([]ff.UsageBucket, error) {
	return s.queryUsage(ctx, codec.LastUsageQuery)
}

func (s *Store) queryUsage(ctx context.Context, query string, args ...any) ([]ff.UsageBucket, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []ff.UsageBucket
	for rows.Next() {
		b, err := codec.ScanUsage(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, b)
	}
	return out, translate(rows.Err())
}
