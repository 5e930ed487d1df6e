package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
)

// insertAudit writes ev in tx; tx calls it for every write made with an
// event in its context.
func insertAudit(ctx context.Context, tx *sql.Tx, ev *ff.AuditEvent) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit (`+codec.AuditColumnList+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, codec.AuditArgs(ev)...)
	return err
}

// CreateToken stores t.
func (s *Store) CreateToken(ctx context.Context, t *ff.Token) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tokens (`+codec.TokenColumnList+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, codec.TokenArgs(t)...)
		return err
	})
}

// ListTokens returns every token, newest first.
func (s *Store) ListTokens(ctx context.Context) ([]*ff.Token, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+codec.TokenColumnList+` FROM tokens ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	tokens := []*ff.Token{}
	for rows.Next() {
		t, err := codec.ScanToken(rows)
		if err != nil {
			return nil, translate(err)
		}
		tokens = append(tokens, t)
	}
	return tokens, translate(rows.Err())
}

// FindTokenByHash returns the token whose hash is hash.
func (s *Store) FindTokenByHash(ctx context.Context, hash string) (*ff.Token, error) {
	t, err := codec.ScanToken(s.read.QueryRowContext(ctx, `SELECT `+codec.TokenColumnList+` FROM tokens WHERE hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storeerr.NotFound(storeerr.Token, "")
	}
	return t, translate(err)
}

// RevokeToken marks the token id revoked at at, unless it is already.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, codec.Millis(at), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		return storeerr.NotFound(storeerr.Token, id)
	})
}

// TouchTokens records last-used times, never moving one back, in one
// transaction that neither writes an audit event nor moves the revision.
// Unknown ids are skipped.
func (s *Store) TouchTokens(ctx context.Context, lastUsed map[string]time.Time) error {
	if len(lastUsed) == 0 {
		return nil
	}
	return s.rawTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `UPDATE tokens SET last_used_at = MAX(COALESCE(last_used_at, ?1), ?1) WHERE id = ?2`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, id := range slices.Sorted(maps.Keys(lastUsed)) {
			if _, err := stmt.ExecContext(ctx, codec.Millis(lastUsed[id]), id); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListAudit returns the events f selects, newest first, a page at a time.
func (s *Store) ListAudit(ctx context.Context, f ff.AuditFilter) ([]*ff.AuditEvent, string, error) {
	query, args, limit, err := codec.AuditQuery(f, "?")
	if err != nil {
		return nil, "", err
	}
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, "", translate(err)
	}
	defer rows.Close()
	var events []*ff.AuditEvent
	for rows.Next() {
		ev, err := codec.ScanAudit(rows)
		if err != nil {
			return nil, "", translate(err)
		}
		events = append(events, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, "", translate(err)
	}
	events, next := codec.AuditPage(events, limit)
	return events, next, nil
}
