package postgres

import (
	"context"
	"errors"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"github.com/jackc/pgx/v5"
)

const segmentColumns = codec.SegmentColumnList

// ListSegments returns every segment ordered by name.
func (s *Store) ListSegments(ctx context.Context) ([]*ff.Segment, error) {
	return listSegments(ctx, s.pool)
}

func listSegments(ctx context.Context, q querier) ([]*ff.Segment, error) {
	rows, err := q.Query(ctx, `SELECT `+segmentColumns+` FROM segments ORDER BY name`)
	if err != nil {
		return nil, translate(err)
	}
	segs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*ff.Segment, error) { return codec.ScanSegment(row) })
	return segs, translate(err)
}

// FindSegment returns the segment whose id, or else whose name, is idOrName.
func (s *Store) FindSegment(ctx context.Context, idOrName string) (*ff.Segment, error) {
	sg, err := codec.ScanSegment(s.pool.QueryRow(ctx,
		`SELECT `+segmentColumns+` FROM segments WHERE id = $1::text OR name = $1::text ORDER BY id = $1::text DESC LIMIT 1`, idOrName))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storeerr.NotFound(storeerr.Segment, idOrName)
	}
	return sg, translate(err)
}

const insertSegmentSQL = `INSERT INTO segments (` + segmentColumns + `) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)`

// insertSegmentArgs encodes sg as the arguments of insertSegmentSQL.
func insertSegmentArgs(sg *ff.Segment) ([]any, error) {
	conds, err := codec.EncodeConditions(sg.Conditions)
	if err != nil {
		return nil, err
	}
	return []any{sg.ID, sg.Name, sg.Description, sg.Match, string(conds), sg.Version,
		codec.Millis(sg.CreatedAt), codec.Millis(sg.UpdatedAt)}, nil
}

// CreateSegment inserts sg.
func (s *Store) CreateSegment(ctx context.Context, sg *ff.Segment) error {
	args, err := insertSegmentArgs(sg)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, insertSegmentSQL, args...)
	return err
}

// insertSegment inserts sg in tx, a transaction that increments the revision.
func insertSegment(ctx context.Context, tx pgx.Tx, sg *ff.Segment) error {
	args, err := insertSegmentArgs(sg)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, insertSegmentSQL, args...)
	return err
}

// UpdateSegment replaces the segment sg.ID by sg if its version is expectVersion.
func (s *Store) UpdateSegment(ctx context.Context, sg *ff.Segment, expectVersion int64) error {
	conds, err := codec.EncodeConditions(sg.Conditions)
	if err != nil {
		return err
	}
	n, err := s.exec(ctx, `UPDATE segments SET name = $1, description = $2, match = $3, conditions = $4::jsonb,
			version = $5, updated_at = $6
		WHERE id = $7 AND ($8::bigint = 0 OR version = $8::bigint)`,
		sg.Name, sg.Description, sg.Match, string(conds), sg.Version, codec.Millis(sg.UpdatedAt), sg.ID, expectVersion)
	if err != nil {
		return err
	}
	if n == 0 {
		return s.missingOrStale(ctx, "segments", storeerr.Segment, sg.ID, expectVersion)
	}
	return nil
}

// DeleteSegment deletes the segment id if its version is expectVersion.
func (s *Store) DeleteSegment(ctx context.Context, id string, expectVersion int64) error {
	n, err := s.exec(ctx, `DELETE FROM segments WHERE id = $1 AND ($2::bigint = 0 OR version = $2::bigint)`, id, expectVersion)
	if err != nil {
		return err
	}
	if n == 0 {
		return s.missingOrStale(ctx, "segments", storeerr.Segment, id, expectVersion)
	}
	return nil
}
