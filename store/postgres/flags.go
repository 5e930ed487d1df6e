package postgres

import (
	"context"
	"errors"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"github.com/jackc/pgx/v5"
)

const flagColumns = codec.FlagColumnList

// ListFlags returns every flag ordered by name, in one query.
func (s *Store) ListFlags(ctx context.Context) ([]*ff.Flag, error) {
	return listFlags(ctx, s.pool)
}

func listFlags(ctx context.Context, q querier) ([]*ff.Flag, error) {
	rows, err := q.Query(ctx, `SELECT `+flagColumns+` FROM flags ORDER BY name`)
	if err != nil {
		return nil, translate(err)
	}
	flags, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*ff.Flag, error) { return codec.ScanFlag(row) })
	return flags, translate(err)
}

// FindFlag returns the flag whose id, or else whose name, is idOrName.
func (s *Store) FindFlag(ctx context.Context, idOrName string) (*ff.Flag, error) {
	f, err := codec.ScanFlag(s.pool.QueryRow(ctx,
		`SELECT `+flagColumns+` FROM flags WHERE id = $1::text OR name = $1::text ORDER BY id = $1::text DESC LIMIT 1`, idOrName))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, storeerr.NotFound(storeerr.Flag, idOrName)
	}
	return f, translate(err)
}

const insertFlagSQL = `INSERT INTO flags (` + flagColumns + `)
	VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8::jsonb, $9, $10, $11, $12::jsonb)`

// insertFlagArgs encodes f as the arguments of insertFlagSQL.
func insertFlagArgs(f *ff.Flag) ([]any, error) {
	c, err := codec.EncodeFlag(f)
	if err != nil {
		return nil, err
	}
	return []any{f.ID, f.Name, f.Description, string(f.Type),
		string(c.Variants), string(c.Environments), string(c.Targeting), string(c.Tags),
		f.Version, codec.Millis(f.CreatedAt), codec.Millis(f.UpdatedAt), string(c.Lifecycle)}, nil
}

// CreateFlag inserts f.
func (s *Store) CreateFlag(ctx context.Context, f *ff.Flag) error {
	args, err := insertFlagArgs(f)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, insertFlagSQL, args...)
	return err
}

// insertFlag inserts f in tx, a transaction that increments the revision.
func insertFlag(ctx context.Context, tx pgx.Tx, f *ff.Flag) error {
	args, err := insertFlagArgs(f)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, insertFlagSQL, args...)
	return err
}

// updateFlagSQL replaces a flag, given updateFlagArgs.
const updateFlagSQL = `UPDATE flags SET name = $1, description = $2, type = $3,
		variants = $4::jsonb, environments = $5::jsonb, targeting = $6::jsonb, tags = $7::jsonb,
		version = $8, updated_at = $9, lifecycle = $12::jsonb
	WHERE id = $10 AND ($11::bigint = 0 OR version = $11::bigint)`

func updateFlagArgs(f *ff.Flag, c codec.FlagColumns, expectVersion int64) []any {
	return []any{f.Name, f.Description, string(f.Type),
		string(c.Variants), string(c.Environments), string(c.Targeting), string(c.Tags),
		f.Version, codec.Millis(f.UpdatedAt), f.ID, expectVersion, string(c.Lifecycle)}
}

// UpdateFlag replaces the flag f.ID by f if its version is expectVersion.
func (s *Store) UpdateFlag(ctx context.Context, f *ff.Flag, expectVersion int64) error {
	c, err := codec.EncodeFlag(f)
	if err != nil {
		return err
	}
	n, err := s.exec(ctx, updateFlagSQL, updateFlagArgs(f, c, expectVersion)...)
	if err != nil {
		return err
	}
	if n == 0 {
		return s.missingOrStale(ctx, "flags", storeerr.Flag, f.ID, expectVersion)
	}
	return nil
}

// DeleteFlag deletes the flag id if its version is expectVersion.
func (s *Store) DeleteFlag(ctx context.Context, id string, expectVersion int64) error {
	n, err := s.exec(ctx, `DELETE FROM flags WHERE id = $1 AND ($2::bigint = 0 OR version = $2::bigint)`, id, expectVersion)
	if err != nil {
		return err
	}
	if n == 0 {
		return s.missingOrStale(ctx, "flags", storeerr.Flag, id, expectVersion)
	}
	return nil
}

// ToggleFlag flips the flag's state in env with one statement, one round
// trip: the new state is computed from the row as the UPDATE locks it, so
// concurrent toggles never lose one another, and the same statement
// increments the revision and writes the audit event, its states taken
// from the toggled row, if it toggled the flag.
func (s *Store) ToggleFlag(ctx context.Context, id, env string, expectVersion int64, now time.Time) (*ff.Flag, error) {
	args := []any{env, codec.Millis(now), id, expectVersion, codec.ToggledBy(ctx)}
	audit := ""
	ev := ff.AuditFrom(ctx)
	if ev != nil {
		if err := codec.PrepareEvent(ev); err != nil {
			return nil, err
		}
		// The states off and on, which the statement orders by the state
		// the toggle left.
		ev.Before, ev.After = codec.ToggleState(env, false), codec.ToggleState(env, true)
		audit, args = auditCTE(ev, args, `$1::text`)
	}
	// The path is an array, not a dotted string: names may contain '.'.
	f, err := codec.ScanFlag(s.pool.QueryRow(ctx, withRevision(`UPDATE flags
		SET environments = jsonb_set(environments, ARRAY[$1::text],
		        to_jsonb(NOT COALESCE((environments->>$1::text)::boolean, false))),
		    version = version + 1, updated_at = $2,
		    lifecycle = jsonb_set(lifecycle, '{updatedBy}', $5::jsonb)
		WHERE id = $3 AND ($4::bigint = 0 OR version = $4::bigint)`, flagColumns, flagColumns, audit),
		args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, s.missingOrStale(ctx, "flags", storeerr.Flag, id, expectVersion)
	}
	if err != nil {
		return nil, translate(err)
	}
	if ev != nil {
		// As the statement wrote them.
		codec.SetToggle(ev, env, f.Environments[env])
	}
	return f, nil
}

// missingOrStale explains an UPDATE or DELETE that touched no row:
// ENOTFOUND or, when the row exists with another version, EPRECONDITION.
func (s *Store) missingOrStale(ctx context.Context, table, kind, id string, expectVersion int64) error {
	var version int64
	err := s.pool.QueryRow(ctx, `SELECT version FROM `+table+` WHERE id = $1`, id).Scan(&version)
	if errors.Is(err, pgx.ErrNoRows) {
		return storeerr.NotFound(kind, id)
	}
	if err != nil {
		return translate(err)
	}
	return storeerr.Stale(kind, id, expectVersion, version)
}
