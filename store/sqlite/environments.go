package sqlite

import (
	"context"
	"database/sql"
	"errors"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
)

// ListEnvironments returns every environment in creation order.
func (s *Store) ListEnvironments(ctx context.Context) ([]*ff.Environment, error) {
	return listEnvironments(ctx, s.read)
}

func listEnvironments(ctx context.Context, q queryer) ([]*ff.Environment, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, created_at, protected, require_approval, approval_admins_bypass FROM environments ORDER BY position`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var envs []*ff.Environment
	for rows.Next() {
		var e ff.Environment
		var created int64
		if err := rows.Scan(&e.Name, &created, &e.Protected, &e.RequireApproval, &e.ApprovalAdminsBypass); err != nil {
			return nil, translate(err)
		}
		e.CreatedAt = codec.Time(created)
		envs = append(envs, &e)
	}
	return envs, translate(rows.Err())
}

// CreateEnvironment adds an environment after the existing ones.
func (s *Store) CreateEnvironment(ctx context.Context, e *ff.Environment) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, insertEnvironmentSQL, environmentArgs(e)...)
		return err
	})
}

// insertEnvironmentSQL adds an environment after the existing ones.
const insertEnvironmentSQL = `INSERT INTO environments (name, position, created_at, protected, require_approval, approval_admins_bypass)
	VALUES (?1, (SELECT COALESCE(MAX(position), 0) + 1 FROM environments), ?2, ?3, ?4, ?5)`

func environmentArgs(e *ff.Environment) []any {
	return []any{e.Name, codec.Millis(e.CreatedAt), e.Protected, e.RequireApproval, e.ApprovalAdminsBypass}
}

// UpdateEnvironment replaces the settings of the environment e.Name.
func (s *Store) UpdateEnvironment(ctx context.Context, e *ff.Environment) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE environments SET protected = ?, require_approval = ?, approval_admins_bypass = ?
			WHERE name = ?`, e.Protected, e.RequireApproval, e.ApprovalAdminsBypass, e.Name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, storeerr.NotFound(storeerr.Environment, e.Name))
		}
		return nil
	})
}

// DeleteEnvironment removes an environment and its state and targeting from
// every flag that has them, bumping those flags' versions.
func (s *Store) DeleteEnvironment(ctx context.Context, name string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var exists, total int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FILTER (WHERE name = ?), COUNT(*) FROM environments`, name).Scan(&exists, &total)
		if err != nil {
			return err
		}
		if exists == 0 {
			return storeerr.NotFound(storeerr.Environment, name)
		}
		if total == 1 {
			return &ff.Error{Code: ff.EINVALID, Message: "cannot delete the last environment; create another first", Field: "name"}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM environments WHERE name = ?`, name); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE flags
			SET environments = json_remove(environments, '$."' || ?1 || '"'),
			    targeting = json_remove(targeting, '$."' || ?1 || '"'),
			    version = version + 1
			WHERE json_type(environments, '$."' || ?1 || '"') IS NOT NULL
			   OR json_type(targeting, '$."' || ?1 || '"') IS NOT NULL`, name)
		return err
	})
}
