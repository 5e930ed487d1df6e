package postgres

import (
	"context"
	"errors"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"github.com/jackc/pgx/v5"
)

// RedeliverWebhook queues the delivery again, in its event's place. The
// endpoint's row is locked so that concurrent redeliveries count each
// other against maxQueued.
func (s *Store) RedeliverWebhook(ctx context.Context, webhookID, deliveryID string, now time.Time, maxQueued int) (*ff.WebhookDelivery, error) {
	var d *ff.WebhookDelivery
	err := s.rawTx(ctx, func(tx pgx.Tx) error {
		orig, err := codec.ScanDelivery(tx.QueryRow(ctx, `SELECT `+codec.DeliveryColumnList+`
			FROM webhook_deliveries WHERE id = $1 AND webhook_id = $2`, deliveryID, webhookID))
		if errors.Is(err, pgx.ErrNoRows) {
			return storeerr.NotFound(storeerr.Delivery, deliveryID)
		}
		if err != nil {
			return err
		}
		var n int
		err = tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM webhook_deliveries WHERE webhook_id = w.id AND state = 'pending')
			FROM webhooks w WHERE w.id = $1 FOR UPDATE`, webhookID).Scan(&n)
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

func insertDelivery(ctx context.Context, tx pgx.Tx, d *ff.WebhookDelivery) error {
	_, err := tx.Exec(ctx, `INSERT INTO webhook_deliveries (`+codec.DeliveryColumnList+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`, codec.DeliveryArgs(d)...)
	return err
}

// DispatchWebhooks moves up to limit outbox events to the deliveries. One
// replica dispatches at a time (an advisory lock; the others return 0 at
// once), so that deliveries are made in seq order.
func (s *Store) DispatchWebhooks(ctx context.Context, now time.Time, maxQueued, limit int) (int, error) {
	var n int
	err := s.rawTx(ctx, func(tx pgx.Tx) error {
		var locked bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(`+dispatchLock+`)`).Scan(&locked); err != nil || !locked {
			return err
		}
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
		// By seq, not up to the last one: a transaction that took a lower
		// seq may commit after this one read the outbox.
		_, err = tx.Exec(ctx, `DELETE FROM webhook_outbox WHERE seq = ANY($1)`, seqs)
		return err
	})
	return n, err
}

// outboxEvents returns the first limit events of the outbox and their seqs.
func outboxEvents(ctx context.Context, tx pgx.Tx, limit int) ([]*ff.AuditEvent, []int64, error) {
	rows, err := tx.Query(ctx, `SELECT seq, `+codec.AuditColumnList+` FROM webhook_outbox ORDER BY seq LIMIT $1`, limit)
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
func queuedCounts(ctx context.Context, tx pgx.Tx) (map[string]int, error) {
	rows, err := tx.Query(ctx, `SELECT webhook_id, count(*) FROM webhook_deliveries WHERE state = 'pending' GROUP BY webhook_id`)
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
// endpoint's and target's order; rows another replica is claiming are
// skipped (FOR UPDATE SKIP LOCKED), never waited for.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*ff.WebhookJob, error) {
	var jobs []*ff.WebhookJob
	err := s.rawTx(ctx, func(tx pgx.Tx) error {
		ds, err := queryDeliveries(ctx, tx, `UPDATE webhook_deliveries SET lease_owner = $1, lease_until = $3
			WHERE id IN (`+codec.ClaimCandidates("$2::bigint", "$4")+` FOR UPDATE OF d SKIP LOCKED)
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
	tag, err := s.pool.Exec(ctx, `UPDATE webhook_deliveries SET state = $1, attempts = $2, next_attempt_at = $3,
			last_attempt_at = $4, response_status = $5, latency_ms = $6, response_excerpt = $7, error = $8,
			lease_owner = '', lease_until = 0
		WHERE id = $9 AND lease_owner = $10 AND state = 'pending'`, codec.FinishArgs(owner, d)...)
	if err != nil {
		return translate(err)
	}
	if tag.RowsAffected() == 0 {
		return storeerr.LeaseLost(d.ID)
	}
	return nil
}

// PruneWebhookDeliveries deletes finished deliveries created before before.
func (s *Store) PruneWebhookDeliveries(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < $1`, codec.Millis(before))
	return tag.RowsAffected(), translate(err)
}
