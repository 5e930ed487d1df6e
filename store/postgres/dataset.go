package postgres

import (
	"context"
	"github.com/featureflags/featureflags/store/internal/storeerr"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/jackc/pgx/v5"
)

// importLockKey is the pg_advisory_xact_lock key that serialises imports
// into one database ("fflags" + 2).
const importLockKey int64 = 0x66666c6167730002

const selectRevision = `SELECT revision FROM featureflags_meta`

// Revision returns the number of committed changes.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	var rev int64
	err := s.pool.QueryRow(ctx, selectRevision).Scan(&rev)
	return rev, translate(err)
}

// Load reads everything in one REPEATABLE READ transaction, so from one
// snapshot: the revision it returns is that of the data, since every write
// increments it in the write's own transaction.
func (s *Store) Load(ctx context.Context) (*ff.Dataset, error) {
	var d ff.Dataset
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, selectRevision).Scan(&d.Revision); err != nil {
			return err
		}
		var err error
		if d.Environments, err = listEnvironments(ctx, tx); err != nil {
			return err
		}
		if d.Flags, err = listFlags(ctx, tx); err != nil {
			return err
		}
		d.Segments, err = listSegments(ctx, tx)
		return err
	})
	if err != nil {
		return nil, translate(err)
	}
	return &d, nil
}

// Import loads d in one transaction: an environment is added unless one of
// its name exists, and a segment or flag replaces those with its id or its
// name. d.Revision is ignored.
//
// Imports hold an advisory lock, so that concurrent ones (replicas seeding
// one database as they start, say) run one after the other: otherwise both
// would find no row of a new name to delete and the second insert would fail
// with ECONFLICT.
func (s *Store) Import(ctx context.Context, d *ff.Dataset) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if err := importTx(ctx, tx, d); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT featureflags_check_all()`)
		return err
	})
}

// Apply makes c in one transaction, if the revision is still c.Revision:
// the reference lock (migration 0004) and then the revision row are locked
// first, in the order every other writer takes them, so concurrent writers
// wait for it.
func (s *Store) Apply(ctx context.Context, c *ff.Change) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT featureflags_lock_segments()`); err != nil {
			return err
		}
		var rev int64
		if err := tx.QueryRow(ctx, selectRevision+` FOR UPDATE`).Scan(&rev); err != nil {
			return err
		}
		if err := storeerr.CheckRevision(c.Revision, rev); err != nil {
			return err
		}
		if err := importTx(ctx, tx, c.Dataset); err != nil {
			return err
		}
		for _, del := range codec.Deletions(c) {
			if _, err := tx.Exec(ctx, `DELETE FROM `+del.Table+` WHERE `+del.Column+` = ANY($1)`, del.Keys); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `SELECT featureflags_check_all()`)
		return err
	})
}

// importTx loads d in tx, replacing items of the same name or id. Segments
// may refer to ones inserted after them: references are checked once
// everything is in (featureflags_check_all, migration 0004).
func importTx(ctx context.Context, tx pgx.Tx, d *ff.Dataset) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, importLockKey); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `SET LOCAL featureflags.deferred_refs = 'on'`); err != nil {
		return err
	}
	for _, e := range d.Environments {
		// An existing environment keeps its place and takes the settings.
		if _, err := tx.Exec(ctx, insertEnvironmentSQL+` ON CONFLICT (name) DO UPDATE SET protected = excluded.protected,
			require_approval = excluded.require_approval, approval_admins_bypass = excluded.approval_admins_bypass`,
			environmentArgs(e)...); err != nil {
			return err
		}
	}
	for _, sg := range d.Segments {
		if _, err := tx.Exec(ctx, `DELETE FROM segments WHERE id = $1 OR name = $2`, sg.ID, sg.Name); err != nil {
			return err
		}
		if err := insertSegment(ctx, tx, sg); err != nil {
			return err
		}
	}
	for _, f := range d.Flags {
		if _, err := tx.Exec(ctx, `DELETE FROM flags WHERE id = $1 OR name = $2`, f.ID, f.Name); err != nil {
			return err
		}
		if err := insertFlag(ctx, tx, f); err != nil {
			return err
		}
	}
	return nil
}
