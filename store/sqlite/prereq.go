package sqlite

import (
	"context"
	"database/sql"
	"errors"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/prereq"
	"github.com/featureflags/featureflags/store/internal/storeerr"
)

// Prerequisites are checked inside the write's transaction, as segment
// references are (refs.go): with one writer at a time, two writes that
// would together close a cycle are checked one after the other.

// checkPrerequisites checks f as written in tx, in place of prev (nil for
// a new flag): what f requires exists and leads back to no flag, and no
// flag requires a name the write took away.
func checkPrerequisites(ctx context.Context, tx *sql.Tx, prev, f *ff.Flag) error {
	if prev != nil && prereq.Gone(prev, f) {
		if err := refuseRequired(ctx, tx, prev.Name); err != nil {
			return err
		}
	}
	if f == nil {
		return nil
	}
	return prereq.Check(ctx, f, func(ctx context.Context, name string) (*ff.Flag, error) {
		g, err := findFlagByName(ctx, tx, name)
		if ff.ErrorCode(err) == ff.ENOTFOUND {
			return nil, nil
		}
		return g, err
	})
}

func findFlagByName(ctx context.Context, q queryer, name string) (*ff.Flag, error) {
	f, err := codec.ScanFlag(q.QueryRowContext(ctx, `SELECT `+flagColumns+` FROM flags WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storeerr.NotFound(storeerr.Flag, name)
	}
	return f, err
}

// refuseRequired refuses (ECONFLICT) while any stored flag requires the
// flag name.
func refuseRequired(ctx context.Context, q queryer, name string) error {
	rows, err := q.QueryContext(ctx, `
		SELECT DISTINCT f.name FROM flags f, json_each(f.targeting) e, json_each(e.value, '$.prerequisites') p
		 WHERE json_extract(p.value, '$.flag') = ?1 AND f.name <> ?1 ORDER BY f.name`, name)
	if err != nil {
		return err
	}
	defer rows.Close()
	var users []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return err
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(users) > 0 {
		return storeerr.PrerequisiteInUse(name, users)
	}
	return nil
}
