package postgres

import (
	"context"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"github.com/jackc/pgx/v5"
)

// ListEnvironments returns every environment in creation order.
func (s *Store) ListEnvironments(ctx context.Context) ([]*ff.Environment, error) {
	return listEnvironments(ctx, s.pool)
}

func listEnvironments(ctx context.Context, q querier) ([]*ff.Environment, error) {
	rows, err := q.Query(ctx, `SELECT name, created_at, protected, require_approval, approval_admins_bypass FROM environments ORDER BY position`)
	if err != nil {
		return nil, translate(err)
	}
	envs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*ff.Environment, error) {
		var e ff.Environment
		var created int64
		if err := row.Scan(&e.Name, &created, &e.Protected, &e.RequireApproval, &e.ApprovalAdminsBypass); err != nil {
			return nil, err
		}
		e.CreatedAt = codec.Time(created)
		return &e, nil
	})
	return envs, translate(err)
}

// insertEnvironmentSQL adds an environment after the existing ones.
const insertEnvironmentSQL = `INSERT INTO environments (name, created_at, protected, require_approval, approval_admins_bypass)
	VALUES ($1, $2, $3, $4, $5)`

func environmentArgs(e *ff.Environment) []any {
	return []any{e.Name, codec.Millis(e.CreatedAt), e.Protected, e.RequireApproval, e.ApprovalAdminsBypass}
}

// CreateEnvironment adds an environment after the existing ones.
func (s *Store) CreateEnvironment(ctx context.Context, e *ff.Environment) error {
	_, err := s.exec(ctx, insertEnvironmentSQL, environmentArgs(e)...)
	return err
}

// UpdateEnvironment replaces the settings of the environment e.Name.
func (s *Store) UpdateEnvironment(ctx context.Context, e *ff.Environment) error {
	n, err := s.exec(ctx, `UPDATE environments SET protected = $2, require_approval = $3, approval_admins_bypass = $4
		WHERE name = $1`, e.Name, e.Protected, e.RequireApproval, e.ApprovalAdminsBypass)
	if err == nil && n == 0 {
		return storeerr.NotFound(storeerr.Environment, e.Name)
	}
	return err
}

// DeleteEnvironment removes an environment and its state and targeting from
// every flag that has them, bumping those flags' versions. It locks every
// environment first, so that concurrent deletes of the last ones cannot all
// see another one left and together delete them all.
func (s *Store) DeleteEnvironment(ctx context.Context, name string) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		// Under READ COMMITTED a row deleted by a transaction this one waited
		// for is skipped, so the names read are those left after it.
		rows, err := tx.Query(ctx, `SELECT name FROM environments ORDER BY position FOR UPDATE`)
		if err != nil {
			return err
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		exists := false
		for _, n := range names {
			exists = exists || n == name
		}
		if !exists {
			return storeerr.NotFound(storeerr.Environment, name)
		}
		if len(names) == 1 {
			return &ff.Error{Code: ff.EINVALID, Message: "cannot delete the last environment; create another first", Field: "name"}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM environments WHERE name = $1`, name); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE flags
			SET environments = environments - $1::text,
			    targeting = targeting - $1::text,
			    version = version + 1
			WHERE environments ? $1::text OR targeting ? $1::text`, name)
		return err
	})
}
