package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
)

// One writer at a time in a SQLite file makes every method here trivially
// a claim: a transaction sees no other's uncommitted work, and no other
// runs meanwhile.

// RedeliverWebhook queues the delivery again, in its event's place.
func (s *Store) RedeliverWebhook(ctx context.Context, webhookID, deliveryID string, now time.Time, maxQueued int) (*ff.WebhookDelivery, error) {
	var d *ff.WebhookDelivery
	err := s.rawTx(ctx, func(tx *sql.Tx) error {
		orig, err := codec.ScanDelivery(tx.QueryRowContext(ctx, `SELECT `+codec.DeliveryColumnList+`
			FROM webhook_deliveries WHERE id = ? AND webhook_id = ?`, deliveryID, webhookID))
		if errors.Is(err, sql.ErrNoRows) {
			return storeerr.NotFound(storeerr.Delivery, deliveryID)
		}
		if err != nil {
			return err
		}
		var n int
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM webhook_deliveries WHERE webhook_id = ? AND state = 'pending'`, webhookID).Scan(&n)
		if err != nil {
			return err
		}
		if maxQueued > 0 && n >= maxQueued {
			return storeerr.QueueFull(maxQueued)
		}
		d = codec.Redelivery(orig, now)
		return insertDelivery(ctx, tx, d)
	})
	return d, err
}

func insertDelivery(ctx context.Context, tx *sql.Tx, d *ff.WebhookDelivery) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (`+codec.DeliveryColumnList+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, codec.DeliveryArgs(d)...)
	return err
}

// DispatchWebhooks moves up to limit outbox events to the deliveries.
func (s *Store) DispatchWebhooks(ctx context.Context, now time.Time, maxQueued, limit int) (int, error) {
	if some, err := s.exists(ctx, `SELECT 1 FROM webhook_outbox`); !some || err != nil {
		return 0, err
	}
	var n int
	err := s.rawTx(ctx, func(tx *sql.Tx) error {
		events, seqs, err := outboxEvents(ctx, tx, limit)
		if err != nil || len(events) == 0 {
			return err
		}
		hooks, err := listWebhooks(ctx, tx)
		if err != nil {
			return err
		}
		queued, err := queuedCounts(ctx, tx)
		if err != nil {
			return err
		}
		err = codec.DispatchAll(events, seqs, hooks, queued, maxQueued, now, func(d *ff.WebhookDelivery) error {
			return insertDelivery(ctx, tx, d)
		})
		if err != nil {
			return err
		}
		n = len(events)
		_, err = tx.ExecContext(ctx, `DELETE FROM webhook_outbox WHERE seq <= ?`, seqs[len(seqs)-1])
		return err
	})
	return n, err
}

// exists reports whether query finds a row, reading outside the write
// transaction: the webhook worker, woken by every write, looks before it
// takes the one write connection (and holds up the next write) for nothing.
// What commits after the look wakes the worker again.
func (s *Store) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var some bool
	err := s.read.QueryRowContext(ctx, `SELECT EXISTS (`+query+`)`, args...).Scan(&some)
	return some, translate(err)
}

// outboxEvents returns the first limit events of the outbox and their seqs.
func outboxEvents(ctx context.Context, tx *sql.Tx, limit int) ([]*ff.AuditEvent, []int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, `+codec.AuditColumnList+` FROM webhook_outbox ORDER BY seq LIMIT ?`, limit)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var events []*ff.AuditEvent
	var seqs []int64
	for rows.Next() {
		var seq int64
		ev, err := codec.ScanAudit(codec.Prefixed(rows, &seq))
		if err != nil {
			return nil, nil, err
		}
		events, seqs = append(events, ev), append(seqs, seq)
	}
	return events, seqs, rows.Err()
}

// queuedCounts returns the pending deliveries of each endpoint that has any.
func queuedCounts(ctx context.Context, tx *sql.Tx) (map[string]int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT webhook_id, count(*) FROM webhook_deliveries WHERE state = 'pending' GROUP BY webhook_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	queued := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		queued[id] = n
	}
	return queued, rows.Err()
}

// ClaimWebhookDeliveries leases the due deliveries that are next in their
// endpoint's and target's order.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*ff.WebhookJob, error) {
	some, err := s.exists(ctx, `SELECT 1 FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ?1 AND lease_until <= ?1`, codec.Millis(now))
	if !some || err != nil {
		return nil, err
	}
	var jobs []*ff.WebhookJob
	err = s.rawTx(ctx, func(tx *sql.Tx) error {
		ds, err := queryDeliveries(ctx, tx, `UPDATE webhook_deliveries SET lease_owner = ?1, lease_until = ?3
			WHERE id IN (`+codec.ClaimCandidates("?2", "?4")+`)
			RETURNING `+codec.DeliveryColumnList, owner, codec.Millis(now), codec.Millis(now.Add(lease)), limit)
		if err != nil || len(ds) == 0 {
			return err
		}
		hooks, err := listWebhooks(ctx, tx)
		if err != nil {
			return err
		}
		jobs = codec.Jobs(ds, hooks)
		return nil
	})
	return jobs, err
}

// FinishWebhookDelivery records an attempt if owner still holds the lease.
func (s *Store) FinishWebhookDelivery(ctx context.Context, owner string, d *ff.WebhookDelivery) error {
	return s.rawTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?,
			last_attempt_at = ?, response_status = ?, latency_ms = ?, response_excerpt = ?, error = ?,
			lease_owner = '', lease_until = 0
			WHERE id = ? AND lease_owner = ? AND state = 'pending'`, codec.FinishArgs(owner, d)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		return storeerr.LeaseLost(d.ID)
	})
}

// PruneWebhookDeliveries deletes finished deliveries created before before.
func (s *Store) PruneWebhookDeliveries(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.rawTx(ctx, func(tx *sql.Tx) error {
		return count(&n)(tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE state != 'pending' AND created_at < ?`, codec.Millis(before)))
	})
	return n, err
}
