package sqlite

import (
	"context"
	"database/sql"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
)

var _ ff.AuditPruner = (*Store)(nil)

// PruneAudit deletes the events older than before and all but the newest
// keep, in one transaction that moves no revision.
func (s *Store) PruneAudit(ctx context.Context, before time.Time, keep int) (int64, error) {
	var n int64
	err := s.rawTx(ctx, func(tx *sql.Tx) error {
		if !before.IsZero() {
			if err := count(&n)(tx.ExecContext(ctx, `DELETE FROM audit WHERE "time" < ?`, codec.Millis(before))); err != nil {
				return err
			}
		}
		if keep > 0 {
			return count(&n)(tx.ExecContext(ctx, `DELETE FROM audit WHERE id IN
				(SELECT id FROM audit ORDER BY "time" DESC, id DESC LIMIT -1 OFFSET ?)`, keep))
		}
		return nil
	})
	return n, err
}

// count returns a function adding the rows a statement touched to n.
func count(n *int64) func(sql.Result, error) error {
	return func(res sql.Result, err error) error {
		if err != nil {
			return err
		}
		k, err := res.RowsAffected()
		*n += k
		return err
	}
}
