package postgres

import (
	"context"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/jackc/pgx/v5"
)

var _ ff.AuditPruner = (*Store)(nil)

// PruneAudit deletes the events older than before and all but the newest
// keep, in one transaction that moves no revision.
func (s *Store) PruneAudit(ctx context.Context, before time.Time, keep int) (int64, error) {
	var n int64
	err := s.rawTx(ctx, func(tx pgx.Tx) error {
		if !before.IsZero() {
			tag, err := tx.Exec(ctx, `DELETE FROM audit WHERE "time" < $1`, codec.Millis(before))
			if err != nil {
				return err
			}
			n += tag.RowsAffected()
		}
		if keep > 0 {
			tag, err := tx.Exec(ctx, `DELETE FROM audit WHERE id IN
				(SELECT id FROM audit ORDER BY "time" DESC, id DESC OFFSET $1)`, keep)
			if err != nil {
				return err
			}
			n += tag.RowsAffected()
		}
		return nil
	})
	return n, err
}
