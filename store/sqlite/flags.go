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

const flagColumns = codec.FlagColumnList

// ListFlags returns every flag ordered by name.
func (s *Store) ListFlags(ctx context.Context) ([]*ff.Flag, error) {
	return listFlags(ctx, s.read)
}

// queryer is what reads need: a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// execer is what inserts need: a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func listFlags(ctx context.Context, q queryer) ([]*ff.Flag, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+flagColumns+` FROM flags ORDER BY name`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var flags []*ff.Flag
	dec := codec.NewFlagDecoder()
	for rows.Next() {
		f, c, err := codec.ScanFlagColumns(rows)
		if err != nil {
			_ = dec.Wait()
			return nil, translate(err)
		}
		dec.Add(f, c)
		flags = append(flags, f)
	}
	if err := dec.Wait(); err != nil {
		return nil, translate(err)
	}
	return flags, translate(rows.Err())
}

// FindFlag returns the flag whose id, or else whose name, is idOrName.
func (s *Store) FindFlag(ctx context.Context, idOrName string) (*ff.Flag, error) {
	return findFlag(ctx, s.read, idOrName)
}

func findFlag(ctx context.Context, q queryer, idOrName string) (*ff.Flag, error) {
	f, err := codec.ScanFlag(q.QueryRowContext(ctx,
		`SELECT `+flagColumns+` FROM flags WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1`, idOrName))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storeerr.NotFound(storeerr.Flag, idOrName)
	}
	return f, translate(err)
}

// CreateFlag inserts f.
func (s *Store) CreateFlag(ctx context.Context, f *ff.Flag) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := checkRefs(ctx, tx, "targeting", f.SegmentRefs()); err != nil {
			return err
		}
		if err := insertFlag(ctx, tx, f); err != nil {
			return err
		}
		return checkPrerequisites(ctx, tx, nil, f)
	})
}

func insertFlag(ctx context.Context, e execer, f *ff.Flag) error {
	c, err := codec.EncodeFlag(f)
	if err != nil {
		return err
	}
	_, err = e.ExecContext(ctx, `INSERT INTO flags (`+flagColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.Name, f.Description, f.Type, c.Variants, c.Environments, c.Targeting, c.Tags,
		f.Version, codec.Millis(f.CreatedAt), codec.Millis(f.UpdatedAt), c.Lifecycle)
	return err
}

// UpdateFlag replaces the flag f.ID by f if its version is expectVersion.
func (s *Store) UpdateFlag(ctx context.Context, f *ff.Flag, expectVersion int64) error {
	c, err := codec.EncodeFlag(f)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error { return updateFlag(ctx, tx, f, c, expectVersion) })
}

// updateFlag replaces the flag f.ID, encoded as c, in tx, and checks the
// prerequisites the change adds or breaks.
func updateFlag(ctx context.Context, tx *sql.Tx, f *ff.Flag, c codec.FlagColumns, expectVersion int64) error {
	if err := checkRefs(ctx, tx, "targeting", f.SegmentRefs()); err != nil {
		return err
	}
	prev, err := findFlag(ctx, tx, f.ID)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE flags SET name = ?, description = ?, type = ?, variants = ?,
		environments = ?, targeting = ?, tags = ?, version = ?, updated_at = ?, lifecycle = ?
		WHERE id = ? AND (?12 = 0 OR version = ?12)`,
		f.Name, f.Description, f.Type, c.Variants, c.Environments, c.Targeting, c.Tags,
		f.Version, codec.Millis(f.UpdatedAt), c.Lifecycle, f.ID, expectVersion)
	if err != nil {
		return err
	}
	if err := checkAffected(ctx, tx, res, "flags", storeerr.Flag, f.ID, expectVersion); err != nil {
		return err
	}
	return checkPrerequisites(ctx, tx, prev, f)
}

// DeleteFlag deletes the flag id if its version is expectVersion.
func (s *Store) DeleteFlag(ctx context.Context, id string, expectVersion int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return deleteFlag(ctx, tx, id, expectVersion) })
}

// deleteFlag deletes the flag id in tx, refusing while others require it.
func deleteFlag(ctx context.Context, tx *sql.Tx, id string, expectVersion int64) error {
	prev, err := findFlag(ctx, tx, id)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM flags WHERE id = ?1 AND (?2 = 0 OR version = ?2)`, id, expectVersion)
	if err != nil {
		return err
	}
	if err := checkAffected(ctx, tx, res, "flags", storeerr.Flag, id, expectVersion); err != nil {
		return err
	}
	return checkPrerequisites(ctx, tx, prev, nil)
}

// ToggleFlag flips the flag's state in env with one UPDATE statement.
func (s *Store) ToggleFlag(ctx context.Context, id, env string, expectVersion int64, now time.Time) (*ff.Flag, error) {
	var f *ff.Flag
	err := s.tx(ctx, func(tx *sql.Tx) error {
		// The path quotes the environment name: names may contain '.'.
		row := tx.QueryRowContext(ctx, `UPDATE flags
			SET environments = json_set(environments, '$."' || ?1 || '"',
			        json(CASE WHEN json_extract(environments, '$."' || ?1 || '"') THEN 'false' ELSE 'true' END)),
			    version = version + 1, updated_at = ?2,
			    lifecycle = json_set(lifecycle, '$.updatedBy', json(?5))
			WHERE id = ?3 AND (?4 = 0 OR version = ?4)
			RETURNING `+flagColumns, env, codec.Millis(now), id, expectVersion, codec.ToggledBy(ctx))
		var err error
		f, err = codec.ScanFlag(row)
		if errors.Is(err, sql.ErrNoRows) {
			return missingOrStale(ctx, tx, "flags", storeerr.Flag, id, expectVersion)
		}
		if err != nil {
			return err
		}
		// The event's states are those of the row the UPDATE wrote; tx
		// inserts it next, in this transaction.
		if ev := ff.AuditFrom(ctx); ev != nil {
			codec.SetToggle(ev, env, f.Environments[env])
		}
		return nil
	})
	return f, err
}

// checkAffected turns an UPDATE or DELETE that touched no row into
// ENOTFOUND or, when the row exists with another version, EPRECONDITION.
func checkAffected(ctx context.Context, tx *sql.Tx, res sql.Result, table, kind, id string, expectVersion int64) error {
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	return missingOrStale(ctx, tx, table, kind, id, expectVersion)
}

func missingOrStale(ctx context.Context, tx *sql.Tx, table, kind, id string, expectVersion int64) error {
	var version int64
	err := tx.QueryRowContext(ctx, `SELECT version FROM `+table+` WHERE id = ?`, id).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return storeerr.NotFound(kind, id)
	}
	if err != nil {
		return err
	}
	return storeerr.Stale(kind, id, expectVersion, version)
}
