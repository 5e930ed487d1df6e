package postgres

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"github.com/jackc/pgx/v5"
)

const tokenColumns = codec.TokenColumnList

// CreateToken stores t.
func (s *Store) CreateToken(ctx context.Context, t *ff.Token) error {
	_, err := s.exec(ctx, `INSERT INTO tokens (`+tokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, codec.TokenArgs(t)...)
	return err
}

// ListTokens returns every token, newest first.
func (s *Store) ListTokens(ctx context.Context) ([]*ff.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, translate(err)
	}
	tokens, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*ff.Token, error) { return codec.ScanToken(row) })
	if tokens == nil {
		tokens = []*ff.Token{}
	}
	return tokens, translate(err)
}

// FindTokenByHash returns the token whose hash is hash.
func (s *Store) FindTokenByHash(ctx context.Context, hash string) (*ff.Token, error) {
	t, err := codec.ScanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE hash = $1`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storeerr.NotFound(storeerr.Token, "")
	}
	return t, translate(err)
}

// RevokeToken marks the token id revoked at at, unless it is already.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	n, err := s.exec(ctx, `UPDATE tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2`, codec.Millis(at), id)
	if err != nil {
		return err
	}
	if n == 0 {
		return storeerr.NotFound(storeerr.Token, id)
	}
	return nil
}

// TouchTokens records last-used times, never moving one back, in one
// statement that neither writes an audit event nor moves the revision.
// Unknown ids are skipped. The rows are locked in id order first, so that
// replicas touching the same tokens at once wait for one another instead
// of deadlocking.
func (s *Store) TouchTokens(ctx context.Context, lastUsed map[string]time.Time) error {
	if len(lastUsed) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(lastUsed))
	times := make([]int64, len(ids))
	for i, id := range ids {
		times[i] = codec.Millis(lastUsed[id])
	}
	_, err := s.pool.Exec(ctx, `WITH u AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS u(id, at)),
		l AS (SELECT t.id FROM tokens t WHERE t.id IN (SELECT id FROM u) ORDER BY t.id FOR UPDATE)
		UPDATE tokens t SET last_used_at = GREATEST(t.last_used_at, u.at)
		FROM u WHERE t.id = u.id AND t.id IN (SELECT id FROM l)`, ids, times)
	return translate(err)
}

// ListAudit returns the events f selects, newest first, a page at a time.
func (s *Store) ListAudit(ctx context.Context, f ff.AuditFilter) ([]*ff.AuditEvent, string, error) {
	query, args, limit, err := codec.AuditQuery(f, "$")
	if err != nil {
		return nil, "", err
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, "", translate(err)
	}
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*ff.AuditEvent, error) { return codec.ScanAudit(row) })
	if err != nil {
		return nil, "", translate(err)
	}
	events, next := codec.AuditPage(events, limit)
	return events, next, nil
}
