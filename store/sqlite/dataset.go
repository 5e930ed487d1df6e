package sqlite

import (
	"context"
	"database/sql"
	"github.com/featureflags/featureflags/store/internal/storeerr"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
)

// Revision returns the number of committed changes.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	var rev int64
	err := s.read.QueryRowContext(ctx, `SELECT revision FROM meta`).Scan(&rev)
	return rev, translate(err)
}

// Load reads everything in one read transaction, so at one revision.
func (s *Store) Load(ctx context.Context) (*ff.Dataset, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, translate(err)
	}
	defer tx.Rollback()
	var d ff.Dataset
	if err := tx.QueryRowContext(ctx, `SELECT revision FROM meta`).Scan(&d.Revision); err != nil {
		return nil, translate(err)
	}
	if d.Environments, err = listEnvironments(ctx, tx); err != nil {
		return nil, err
	}
	if d.Flags, err = listFlags(ctx, tx); err != nil {
		return nil, err
	}
	if d.Segments, err = listSegments(ctx, tx); err != nil {
		return nil, err
	}
	return &d, nil
}

// Import loads d in one transaction, replacing items of the same name or id.
func (s *Store) Import(ctx context.Context, d *ff.Dataset) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := importTx(ctx, tx, d); err != nil {
			return err
		}
		return checkDataset(ctx, tx)
	})
}

// Apply makes c in one transaction, if the revision is still c.Revision.
func (s *Store) Apply(ctx context.Context, c *ff.Change) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var rev int64
		if err := tx.QueryRowContext(ctx, `SELECT revision FROM meta`).Scan(&rev); err != nil {
			return err
		}
		if err := storeerr.CheckRevision(c.Revision, rev); err != nil {
			return err
		}
		if err := importTx(ctx, tx, c.Dataset); err != nil {
			return err
		}
		for _, del := range codec.Deletions(c) {
			for _, k := range del.Keys {
				if _, err := tx.ExecContext(ctx, `DELETE FROM `+del.Table+` WHERE `+del.Column+` = ?`, k); err != nil {
					return err
				}
			}
		}
		return checkDataset(ctx, tx)
	})
}

// importTx loads d in tx, replacing items of the same name or id.
func importTx(ctx context.Context, tx *sql.Tx, d *ff.Dataset) error {
	for _, e := range d.Environments {
		// An existing environment keeps its place and takes the settings.
		_, err := tx.ExecContext(ctx, insertEnvironmentSQL+` ON CONFLICT (name) DO UPDATE SET protected = excluded.protected,
			require_approval = excluded.require_approval, approval_admins_bypass = excluded.approval_admins_bypass`, environmentArgs(e)...)
		if err != nil {
			return err
		}
	}
	for _, sg := range d.Segments {
		if _, err := tx.ExecContext(ctx, `DELETE FROM segments WHERE id = ? OR name = ?`, sg.ID, sg.Name); err != nil {
			return err
		}
		if err := insertSegment(ctx, tx, sg); err != nil {
			return err
		}
	}
	for _, f := range d.Flags {
		if _, err := tx.ExecContext(ctx, `DELETE FROM flags WHERE id = ? OR name = ?`, f.ID, f.Name); err != nil {
			return err
		}
		if err := insertFlag(ctx, tx, f); err != nil {
			return err
		}
	}
	return nil
}
