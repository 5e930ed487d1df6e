package postgres

import (
	"context"
	"errors"
	"slices"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"github.com/jackc/pgx/v5"
)

// ListChangeRequests returns the requests with this status ("": all),
// newest first.
func (s *Store) ListChangeRequests(ctx context.Context, status string) ([]*ff.ChangeRequest, error) {
	if !slices.Contains(codec.ChangeRequestStatuses, status) {
		return nil, ff.FieldErrorf("status", "unknown status %q", status)
	}
	rows, err := s.pool.Query(ctx, `SELECT doc::text FROM change_requests WHERE $1::text = '' OR status = $1::text
		ORDER BY created_at DESC, id DESC`, status)
	if err != nil {
		return nil, translate(err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*ff.ChangeRequest, error) {
		var doc string
		if err := row.Scan(&doc); err != nil {
			return nil, err
		}
		return codec.DecodeChangeRequest([]byte(doc))
	})
	return out, translate(err)
}

// FindChangeRequest returns the request with this id.
func (s *Store) FindChangeRequest(ctx context.Context, id string) (*ff.ChangeRequest, error) {
	var doc string
	err := s.pool.QueryRow(ctx, `SELECT doc::text FROM change_requests WHERE id = $1`, id).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storeerr.NotFound(storeerr.ChangeRequest, id)
	}
	if err != nil {
		return nil, translate(err)
	}
	return codec.DecodeChangeRequest([]byte(doc))
}

// CreateChangeRequest inserts r.
func (s *Store) CreateChangeRequest(ctx context.Context, r *ff.ChangeRequest) error {
	doc, err := codec.EncodeChangeRequest(r)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO change_requests (id, flag_id, status, version, created_at, doc)
		VALUES ($1, $2, $3, $4, $5, $6::jsonb)`, r.ID, r.FlagID, r.Status, r.Version, codec.Millis(r.CreatedAt), string(doc))
	return err
}

const updateRequestSQL = `UPDATE change_requests SET status = $2, version = $3, doc = $4::jsonb WHERE id = $1 AND version = $5`

// UpdateChangeRequest replaces the request r.ID by r if it is at
// expectVersion.
func (s *Store) UpdateChangeRequest(ctx context.Context, r *ff.ChangeRequest, expectVersion int64) error {
	doc, err := codec.EncodeChangeRequest(r)
	if err != nil {
		return err
	}
	n, err := s.exec(ctx, updateRequestSQL, r.ID, r.Status, r.Version, string(doc), expectVersion)
	if err == nil && n == 0 {
		return s.missingOrStale(ctx, "change_requests", storeerr.ChangeRequest, r.ID, expectVersion)
	}
	return err
}

// ApplyChangeRequest records r and makes its change to the flag in one
// transaction.
func (s *Store) ApplyChangeRequest(ctx context.Context, r *ff.ChangeRequest, expectVersion int64) error {
	doc, err := codec.EncodeChangeRequest(r)
	if err != nil {
		return err
	}
	var c codec.FlagColumns
	if r.After != nil {
		if c, err = codec.EncodeFlag(r.After); err != nil {
			return err
		}
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, updateRequestSQL, r.ID, r.Status, r.Version, string(doc), expectVersion)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return s.missingOrStale(ctx, "change_requests", storeerr.ChangeRequest, r.ID, expectVersion)
		}
		if r.After == nil {
			tag, err = tx.Exec(ctx, `DELETE FROM flags WHERE id = $1 AND version = $2`, r.FlagID, r.Before.Version)
		} else {
			f := r.After
			tag, err = tx.Exec(ctx, replaceFlagSQL, f.ID, f.Name, f.Description, string(f.Type),
				string(c.Variants), string(c.Environments), string(c.Targeting), string(c.Tags),
				f.Version, codec.Millis(f.UpdatedAt), string(c.Lifecycle), r.Before.Version)
		}
		if err == nil && tag.RowsAffected() == 0 {
			return s.missingOrStale(ctx, "flags", storeerr.Flag, r.FlagID, r.Before.Version)
		}
		return err
	})
}

// replaceFlagSQL replaces the flag $1 if it is at version $12.
const replaceFlagSQL = `UPDATE flags SET name = $2, description = $3, type = $4,
		variants = $5::jsonb, environments = $6::jsonb, targeting = $7::jsonb, tags = $8::jsonb,
		version = $9, updated_at = $10, lifecycle = $11::jsonb
	WHERE id = $1 AND version = $12::bigint`
