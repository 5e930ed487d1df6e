package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
)

// ListChangeRequests returns the requests with this status ("": all),
// newest first.
func (s *Store) ListChangeRequests(ctx context.Context, status string) ([]*ff.ChangeRequest, error) {
	if !slices.Contains(codec.ChangeRequestStatuses, status) {
		return nil, ff.FieldErrorf("status", "unknown status %q", status)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT doc FROM change_requests WHERE ?1 = '' OR status = ?1
		ORDER BY created_at DESC, id DESC`, status)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*ff.ChangeRequest
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, translate(err)
		}
		r, err := codec.DecodeChangeRequest(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

// FindChangeRequest returns the request with this id.
func (s *Store) FindChangeRequest(ctx context.Context, id string) (*ff.ChangeRequest, error) {
	var doc []byte
	err := s.read.QueryRowContext(ctx, `SELECT doc FROM change_requests WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storeerr.NotFound(storeerr.ChangeRequest, id)
	}
	if err != nil {
		return nil, translate(err)
	}
	return codec.DecodeChangeRequest(doc)
}

// CreateChangeRequest inserts r.
func (s *Store) CreateChangeRequest(ctx context.Context, r *ff.ChangeRequest) error {
	doc, err := codec.EncodeChangeRequest(r)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO change_requests (id, flag_id, status, version, created_at, doc)
			VALUES (?, ?, ?, ?, ?, ?)`, r.ID, r.FlagID, r.Status, r.Version, codec.Millis(r.CreatedAt), doc)
		return err
	})
}

// UpdateChangeRequest replaces the request r.ID by r if it is at
// expectVersion.
func (s *Store) UpdateChangeRequest(ctx context.Context, r *ff.ChangeRequest, expectVersion int64) error {
	doc, err := codec.EncodeChangeRequest(r)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return updateRequest(ctx, tx, r, doc, expectVersion) })
}

func updateRequest(ctx context.Context, tx *sql.Tx, r *ff.ChangeRequest, doc []byte, expectVersion int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE change_requests SET status = ?, version = ?, doc = ?
		WHERE id = ? AND version = ?`, r.Status, r.Version, doc, r.ID, expectVersion)
	if err != nil {
		return err
	}
	return checkAffected(ctx, tx, res, "change_requests", storeerr.ChangeRequest, r.ID, expectVersion)
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
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := updateRequest(ctx, tx, r, doc, expectVersion); err != nil {
			return err
		}
		if r.After == nil {
			return deleteFlag(ctx, tx, r.FlagID, r.Before.Version)
		}
		return updateFlag(ctx, tx, r.After, c, r.Before.Version)
	})
}
