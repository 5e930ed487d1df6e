package postgres

import (
	"context"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/jackc/pgx/v5"
)

var _ ff.UsageStore = (*Store)(nil)

// AddUsage adds the buckets' counts in one transaction (one round trip per
// batch), which neither writes an audit event nor moves the revision. Rows
// are written in key order, so that replicas flushing at once wait for one
// another instead of deadlocking.
func (s *Store) AddUsage(ctx context.Context, buckets []ff.UsageBucket) error {
	merged := codec.MergeUsage(buckets)
	if len(merged) == 0 {
		return nil
	}
	upsert := codec.UsageUpsert("$")
	return s.rawTx(ctx, func(tx pgx.Tx) error {
		var batch pgx.Batch
		for i := range merged {
			batch.Queue(upsert, codec.UsageArgs(&merged[i])...)
		}
		return tx.SendBatch(ctx, &batch).Close()
	})
}

// Usage returns the buckets f selects.
func (s *Store) Usage(ctx context.Context, f ff.UsageFilter) ([]ff.UsageBucket, error) {
	query, args := codec.UsageQuery(f, "$")
	return s.queryUsage(ctx, query, args...)
}

// LastUsage returns every flag and environment's latest hour of usage.
func (s *Store) LastUsage(ctx context.Context) ([]ff.UsageBucket, error) {
	return s.queryUsage(ctx, codec.LastUsageQuery)
}

func (s *Store) queryUsage(ctx context.Context, query string, args ...any) ([]ff.UsageBucket, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ff.UsageBucket, error) { return codec.ScanUsage(r) })
	return out, translate(err)
}
