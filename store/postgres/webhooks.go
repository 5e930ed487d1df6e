package postgres

import (
	"context"
	"errors"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"github.com/jackc/pgx/v5"
)

// ListWebhooks returns every endpoint, oldest first.
func (s *Store) ListWebhooks(ctx context.Context) ([]*ff.Webhook, error) {
	return listWebhooks(ctx, s.pool)
}

func listWebhooks(ctx context.Context, q querier) ([]*ff.Webhook, error) {
	rows, err := q.Query(ctx, `SELECT `+codec.WebhookColumnList+` FROM webhooks ORDER BY created_at, id`)
	if err != nil {
		return nil, translate(err)
	}
	hooks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*ff.Webhook, error) { return codec.ScanWebhook(row) })
	if hooks == nil {
		hooks = []*ff.Webhook{}
	}
	return hooks, translate(err)
}

// FindWebhook returns the endpoint id.
func (s *Store) FindWebhook(ctx context.Context, id string) (*ff.Webhook, error) {
	w, err := codec.ScanWebhook(s.pool.QueryRow(ctx, `SELECT `+codec.WebhookColumnList+` FROM webhooks WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storeerr.NotFound(storeerr.Webhook, id)
	}
	return w, translate(err)
}

// CreateWebhook inserts w unless there are max endpoints already. Creations
// take a transaction-scoped advisory lock, so that replicas creating at
// once count one another's.
func (s *Store) CreateWebhook(ctx context.Context, w *ff.Webhook, max int) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		// The count is read by a statement after the lock's: one statement
		// sees the table as it was when it began, before waiting for the
		// lock, and would miss the endpoint its holder inserted.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(`+webhooksLock+`)`); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM webhooks`).Scan(&n); err != nil {
			return err
		}
		if max > 0 && n >= max {
			return storeerr.TooManyWebhooks(max)
		}
		_, err := tx.Exec(ctx, `INSERT INTO webhooks (`+codec.WebhookColumnList+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, codec.WebhookArgs(w)...)
		return err
	})
}

// The advisory lock keys of the webhooks: creations, and dispatching.
const (
	webhooksLock = `7351001`
	dispatchLock = `7351002`
)

// UpdateWebhook replaces the endpoint w.ID if its version is expectVersion.
func (s *Store) UpdateWebhook(ctx context.Context, w *ff.Webhook, expectVersion int64) error {
	n, err := s.exec(ctx, `UPDATE webhooks SET url = $2, events = $3, flags = $4, environments = $5,
			disabled = $6, secret = $7, version = $8, updated_at = $9
		WHERE id = $1 AND ($10::bigint = 0 OR version = $10::bigint)`,
		w.ID, w.URL, codec.JSONList(w.Events), codec.JSONList(w.Flags), codec.JSONList(w.Environments),
		w.Disabled, w.Secret, w.Version, codec.Millis(w.UpdatedAt), expectVersion)
	if err != nil {
		return err
	}
	if n == 0 {
		return s.missingOrStale(ctx, "webhooks", storeerr.Webhook, w.ID, expectVersion)
	}
	return nil
}

// DeleteWebhook deletes the endpoint id and, by cascade, its deliveries.
func (s *Store) DeleteWebhook(ctx context.Context, id string) error {
	n, err := s.exec(ctx, `DELETE FROM webhooks WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return storeerr.NotFound(storeerr.Webhook, id)
	}
	return nil
}

// ListWebhookDeliveries returns the endpoint's deliveries, newest first.
func (s *Store) ListWebhookDeliveries(ctx context.Context, webhookID string, limit int) ([]*ff.WebhookDelivery, error) {
	return queryDeliveries(ctx, s.pool, `SELECT `+codec.DeliveryColumnList+` FROM webhook_deliveries
		WHERE webhook_id = $1 ORDER BY created_at DESC, seq DESC, id DESC LIMIT $2`, webhookID, limit)
}

func queryDeliveries(ctx context.Context, q querier, query string, args ...any) ([]*ff.WebhookDelivery, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	ds, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*ff.WebhookDelivery, error) { return codec.ScanDelivery(row) })
	if ds == nil {
		ds = []*ff.WebhookDelivery{}
	}
	return ds, translate(err)
}
