package sqlite

import (
	"context"
	"database/sql"
	"errors"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
)

const segmentColumns = codec.SegmentColumnList

// ListSegments returns every segment ordered by name.
func (s *Store) ListSegments(ctx context.Context) ([]*ff.Segment, error) {
	return listSegments(ctx, s.read)
}

func listSegments(ctx context.Context, q queryer) ([]*ff.Segment, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+segmentColumns+` FROM segments ORDER BY name`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var segs []*ff.Segment
	for rows.Next() {
		sg, err := codec.ScanSegment(rows)
		if err != nil {
			return nil, translate(err)
		}
		segs = append(segs, sg)
	}
	return segs, translate(rows.Err())
}

// FindSegment returns the segment whose id, or else whose name, is idOrName.
func (s *Store) FindSegment(ctx context.Context, idOrName string) (*ff.Segment, error) {
	sg, err := codec.ScanSegment(s.read.QueryRowContext(ctx,
		`SELECT `+segmentColumns+` FROM segments WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1`, idOrName))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storeerr.NotFound(storeerr.Segment, idOrName)
	}
	return sg, translate(err)
}

// CreateSegment inserts sg.
func (s *Store) CreateSegment(ctx context.Context, sg *ff.Segment) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := insertSegment(ctx, tx, sg); err != nil {
			return err
		}
		return checkSegmentWrite(ctx, tx, sg, "")
	})
}

func insertSegment(ctx context.Context, e execer, sg *ff.Segment) error {
	conds, err := codec.EncodeConditions(sg.Conditions)
	if err != nil {
		return err
	}
	_, err = e.ExecContext(ctx, `INSERT INTO segments (`+segmentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		sg.ID, sg.Name, sg.Description, sg.Match, conds, sg.Version, codec.Millis(sg.CreatedAt), codec.Millis(sg.UpdatedAt))
	return err
}

// UpdateSegment replaces the segment sg.ID by sg if its version is expectVersion.
func (s *Store) UpdateSegment(ctx context.Context, sg *ff.Segment, expectVersion int64) error {
	conds, err := codec.EncodeConditions(sg.Conditions)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var oldName string
		err := tx.QueryRowContext(ctx, `SELECT name FROM segments WHERE id = ?`, sg.ID).Scan(&oldName)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE segments SET name = ?, description = ?, match = ?, conditions = ?,
			version = ?, updated_at = ? WHERE id = ? AND (?8 = 0 OR version = ?8)`,
			sg.Name, sg.Description, sg.Match, conds, sg.Version, codec.Millis(sg.UpdatedAt), sg.ID, expectVersion)
		if err != nil {
			return err
		}
		if err := checkAffected(ctx, tx, res, "segments", storeerr.Segment, sg.ID, expectVersion); err != nil {
			return err
		}
		return checkSegmentWrite(ctx, tx, sg, oldName)
	})
}

// DeleteSegment deletes the segment id if its version is expectVersion.
func (s *Store) DeleteSegment(ctx context.Context, id string, expectVersion int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var name string
		err := tx.QueryRowContext(ctx, `DELETE FROM segments WHERE id = ?1 AND (?2 = 0 OR version = ?2) RETURNING name`,
			id, expectVersion).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return missingOrStale(ctx, tx, "segments", storeerr.Segment, id, expectVersion)
		}
		if err != nil {
			return err
		}
		return refuseUsed(ctx, tx, name, storeerr.SegmentInUse)
	})
}
