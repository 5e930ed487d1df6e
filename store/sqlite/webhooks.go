package sqlite

import (
	"context"
	"database/sql"
	"errors"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
)

// ListWebhooks returns every endpoint, oldest first.
func (s *Store) ListWebhooks(ctx context.Context) ([]*ff.Webhook, error) {
	return listWebhooks(ctx, s.read)
}

// querier is what reads need of a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func listWebhooks(ctx context.Context, q querier) ([]*ff.Webhook, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+codec.WebhookColumnList+` FROM webhooks ORDER BY created_at, id`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	hooks := []*ff.Webhook{}
	for rows.Next() {
		w, err := codec.ScanWebhook(rows)
		if err != nil {
			return nil, translate(err)
		}
		hooks = append(hooks, w)
	}
	return hooks, translate(rows.Err())
}

// FindWebhook returns the endpoint id.
func (s *Store) FindWebhook(ctx context.Context, id string) (*ff.Webhook, error) {
	w, err := codec.ScanWebhook(s.read.QueryRowContext(ctx, `SELECT `+codec.WebhookColumnList+` FROM webhooks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storeerr.NotFound(storeerr.Webhook, id)
	}
	return w, translate(err)
}

// CreateWebhook inserts w unless there are max endpoints already.
func (s *Store) CreateWebhook(ctx context.Context, w *ff.Webhook, max int) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM webhooks`).Scan(&n); err != nil {
			return err
		}
		if max > 0 && n >= max {
			return storeerr.TooManyWebhooks(max)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO webhooks (`+codec.WebhookColumnList+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, codec.WebhookArgs(w)...)
		return err
	})
}

// UpdateWebhook replaces the endpoint w.ID if its version is expectVersion.
func (s *Store) UpdateWebhook(ctx context.Context, w *ff.Webhook, expectVersion int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		args := append(codec.WebhookArgs(w), expectVersion)
		res, err := tx.ExecContext(ctx, `UPDATE webhooks SET url = ?2, events = ?3, flags = ?4, environments = ?5,
			disabled = ?6, secret = ?7, version = ?8, updated_at = ?10
			WHERE id = ?1 AND (?11 = 0 OR version = ?11)`, args...)
		if err != nil {
			return err
		}
		return checkAffected(ctx, tx, res, "webhooks", storeerr.Webhook, w.ID, expectVersion)
	})
}

// DeleteWebhook deletes the endpoint id and, by cascade, its deliveries.
func (s *Store) DeleteWebhook(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ?`, id)
		if err != nil {
			return err
		}
		return checkAffected(ctx, tx, res, "webhooks", storeerr.Webhook, id, ff.AnyVersion)
	})
}

// ListWebhookDeliveries returns the endpoint's deliveries, newest first.
func (s *Store) ListWebhookDeliveries(ctx context.Context, webhookID string, limit int) ([]*ff.WebhookDelivery, error) {
	return queryDeliveries(ctx, s.read, `SELECT `+codec.DeliveryColumnList+` FROM webhook_deliveries
		WHERE webhook_id = ? ORDER BY created_at DESC, seq DESC, id DESC LIMIT ?`, webhookID, limit)
}

func queryDeliveries(ctx context.Context, q querier, query string, args ...any) ([]*ff.WebhookDelivery, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []*ff.WebhookDelivery{}
	for rows.Next() {
		d, err := codec.ScanDelivery(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, d)
	}
	return out, translate(rows.Err())
}
