// Package postgres is the store for PostgreSQL, for running several replicas
// of the service on one database. It uses pgx through a connection pool;
// statements are prepared and cached per connection by pgx.
//
// Its data is laid out like the SQLite store's: JSON columns (jsonb here)
// encoded by store/internal/codec, times as Unix milliseconds and names
// ordered byte-wise, so both stores behave and order identically.
package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/featureflags/featureflags/internal/dsn"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/migrate"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationsTable records the applied migrations. It is not called
// schema_migrations: that name is used by other migration tools (with other
// columns), and a database may be shared.
const migrationsTable = "featureflags_schema_migrations"

// migrationLockKey is the pg_advisory_xact_lock key that serialises
// migrations of one database between processes ("fflags" + 1).
const migrationLockKey int64 = 0x66666c6167730001

// defaultConnectTimeout bounds each connection attempt when the URL does not
// set connect_timeout, so that an unreachable host fails instead of hanging.
const defaultConnectTimeout = 10 * time.Second

// Store is a featureflags.Store on a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
}

var _ ff.Store = (*Store)(nil)

// Open connects to the PostgreSQL database at url, a postgres:// or
// postgresql:// URL (pool settings through pgxpool's parameters such as
// pool_max_conns), checks that it answers and brings its schema up to date.
func Open(ctx context.Context, url string) (*Store, error) {
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, ff.Errorf(ff.EINVALID, "store: %q is not a PostgreSQL URL: it must start with postgres:// or postgresql://", dsn.Redact(url))
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's error text masks the password of a well-formed URL.
		return nil, fmt.Errorf("%w: %w", ff.Errorf(ff.EINVALID, "store: cannot parse the PostgreSQL URL %s", dsn.Redact(url)), err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, openError(url, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, openError(url, err)
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		if ff.ErrorCode(err) == ff.EUNAVAILABLE {
			return nil, openError(url, err)
		}
		return nil, err
	}
	return s, nil
}

// openError names the database (without its password) in the error for a
// failed Open.
func openError(url string, err error) error {
	err = translate(err)
	if ff.ErrorCode(err) == ff.EUNAVAILABLE {
		return storeerr.Unreachable("PostgreSQL", dsn.Redact(url), err)
	}
	return err
}

// Close closes the pool, waiting for connections in use to be returned.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return translate(s.pool.Ping(ctx))
}

// migrations returns the embedded migrations.
func migrations() ([]migrate.Migration, error) {
	return migrate.Load(migrationFiles, "migrations")
}

// latestVersion is the schema version this program writes.
func latestVersion() int {
	ms, err := migrations()
	if err != nil {
		panic(err)
	}
	return ms[len(ms)-1].Version // numbers may skip (see migrate.Load)
}

// migrate applies the embedded migrations the database lacks, all in one
// transaction that holds an advisory lock, so that replicas starting together
// on one database apply them once, one after the other.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return s.rawTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+migrationsTable+` (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at bigint NOT NULL)`); err != nil {
			return err
		}
		return migrate.Run(ctx, schema{tx}, ms)
	})
}

// schema records PostgreSQL's schema versions in migrationsTable, within
// the transaction of migrate.
type schema struct{ tx pgx.Tx }

func (sc schema) Version(ctx context.Context) (int, error) {
	var v int
	err := sc.tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM `+migrationsTable).Scan(&v)
	return v, err
}

func (sc schema) Apply(ctx context.Context, m migrate.Migration) error {
	if _, err := sc.tx.Exec(ctx, m.Body); err != nil {
		return err
	}
	_, err := sc.tx.Exec(ctx, `INSERT INTO `+migrationsTable+` (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.Version, m.Name, time.Now().UnixMilli())
	return err
}

// querier runs statements: the pool, or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

var (
	_ querier = (*pgxpool.Pool)(nil)
	_ querier = pgx.Tx(nil)
)

// bumpRevision increments the revision. Every write runs it in its own
// transaction, last: the row lock it takes serialises writers until they
// commit, and taking it last keeps it short and never held while waiting
// for another lock.
const bumpRevision = `UPDATE featureflags_meta SET revision = revision + 1`

// tx runs fn in a write transaction which, if fn returns nil, writes the
// audit event ctx carries, if any, increments the revision and commits: the
// change, its event and the new revision commit together or not at all.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	evs := ff.AuditEventsFrom(ctx)
	for _, ev := range evs {
		if err := codec.PrepareEvent(ev); err != nil {
			return err
		}
	}
	return s.rawTx(ctx, func(tx pgx.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		for _, ev := range evs {
			if _, err := tx.Exec(ctx, insertAuditSQL, codec.AuditArgs(ev)...); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, bumpRevision+notifyRevision)
		return err
	})
}

// rawTx runs fn in a transaction, committing if it returns nil. It does not
// increment the revision: it is for migrations.
func (s *Store) rawTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return translate(pgx.BeginFunc(ctx, s.pool, fn))
}

// exec runs stmt, one INSERT, UPDATE or DELETE without a RETURNING clause,
// as one statement (one round trip, its own transaction) that also
// increments the revision and writes the audit event ctx carries, if any,
// if stmt touched a row, and returns the number of rows stmt touched.
func (s *Store) exec(ctx context.Context, stmt string, args ...any) (int64, error) {
	audit := ""
	if ev := ff.AuditFrom(ctx); ev != nil {
		if err := codec.PrepareEvent(ev); err != nil {
			return 0, err
		}
		audit, args = auditCTE(ev, args, "")
	}
	var n int64
	err := s.pool.QueryRow(ctx, withRevision(stmt, `1`, `count(*)`, audit), args...).Scan(&n)
	return n, translate(err)
}

// withRevision makes of stmt, a data-modifying statement without RETURNING,
// one that increments the revision if stmt touched a row, runs audit (a
// data-modifying statement reading w, stmt's rows, or "" for none) and
// selects selectList over the rows stmt returned (returning is its
// RETURNING list). The increment and audit run in data-modifying CTEs that
// the main query does not read, so PostgreSQL runs them after the main
// query, that is after stmt, and all in the statement's one transaction.
func withRevision(stmt, returning, selectList, audit string) string {
	q := `WITH w AS (` + stmt + ` RETURNING ` + returning + `),
		r AS (` + bumpRevision + ` WHERE EXISTS (SELECT 1 FROM w)` + notifyRevision + `)`
	if audit != "" {
		q += `,
		a AS (` + audit + `)`
	}
	return q + `
		SELECT ` + selectList + ` FROM w`
}

// auditTypes are the types of the columns of codec.AuditColumnList.
var auditTypes = [...]string{"text", "bigint", "text", "text", "text", "text", "text", "text", "text", "text", "json", "json", "text", "json"}

// The indexes of "before" and "after" in codec.AuditColumnList.
const auditBefore, auditAfter = 10, 11

// insertAuditSQL writes an event given as the parameters codec.AuditArgs
// returns.
var insertAuditSQL = func() string {
	ps := make([]string, len(auditTypes))
	for i, t := range auditTypes {
		ps[i] = "$" + strconv.Itoa(i+1) + "::" + t
	}
	return `INSERT INTO audit (` + codec.AuditColumnList + `) VALUES (` + strings.Join(ps, ", ") + `)`
}()

// auditCTE returns the statement of a CTE for withRevision that writes ev
// if w returned a row, and args with ev's values appended as its
// parameters. For a toggle, toggleEnv is the parameter holding the toggled
// environment ("$1::text", say) and ev's Before and After must hold the
// states off and on: the statement swaps them unless w's row, the flag as
// the toggle left it, has the environment off.
func auditCTE(ev *ff.AuditEvent, args []any, toggleEnv string) (string, []any) {
	exprs := make([]string, len(auditTypes))
	for i, v := range codec.AuditArgs(ev) {
		args = append(args, v)
		exprs[i] = "$" + strconv.Itoa(len(args)) + "::" + auditTypes[i]
	}
	if toggleEnv != "" {
		on := `(w.environments->>` + toggleEnv + `)::boolean`
		off, onState := exprs[auditBefore], exprs[auditAfter]
		exprs[auditBefore] = `CASE WHEN ` + on + ` THEN ` + off + ` ELSE ` + onState + ` END`
		exprs[auditAfter] = `CASE WHEN ` + on + ` THEN ` + onState + ` ELSE ` + off + ` END`
	}
	return `INSERT INTO audit (` + codec.AuditColumnList + `) SELECT ` + strings.Join(exprs, ", ") + ` FROM w LIMIT 1`, args
}

// uniqueKeys names, per unique constraint, the key storeerr knows it by.
var uniqueKeys = map[string]string{
	"flags_name_key":    "flags.name",
	"flags_pkey":        "flags.id",
	"segments_name_key": "segments.name",
	"segments_pkey":     "segments.id",
	"environments_pkey": "environments.name",
	"tokens_pkey":       "tokens.id",
	"tokens_hash_key":   "tokens.hash",
}

// translate maps pgx's and PostgreSQL's errors to the domain's through the
// shared policy.
func translate(err error) error { return storeerr.Translate(err, driverError) }

// driverError names what pgx or PostgreSQL reported in storeerr's terms, or
// returns nil.
func driverError(err error) error {
	// A failed connection attempt, whatever the server said (too many
	// connections, starting up, authentication): retrying later may work.
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return storeerr.Unavailable(err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return serverError(pe, err)
	}
	var ne net.Error
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) || errors.As(err, &ne) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return storeerr.Unavailable(err)
	}
	return nil
}

// serverError names what the server reported, pe, in err, or returns nil.
func serverError(pe *pgconn.PgError, err error) error {
	switch {
	case pe.Code == "23505": // unique_violation
		key, ok := uniqueKeys[pe.ConstraintName]
		if !ok && pe.TableName != "" {
			key = pe.TableName + ".name" // a unique index added by hand
		}
		return storeerr.Duplicate(key, err)
	case strings.HasPrefix(pe.Code, "08"), // connection_exception
		pe.Code == "57P01", // admin_shutdown
		pe.Code == "57P02", // crash_shutdown
		pe.Code == "57P03", // cannot_connect_now
		pe.Code == "53300": // too_many_connections
		return storeerr.Unavailable(err)
	case pe.Code == "FF001": // a missing segment (migration 0004)
		return storeerr.MissingSegment(pe.ColumnName, pe.Message)
	case pe.Code == "FF002" && pe.ColumnName == "name": // renaming a segment in use
		return storeerr.SegmentRenameInUse(pe.Message, pe.Detail)
	case pe.Code == "FF002": // deleting a segment in use
		return storeerr.SegmentInUse(pe.Message, pe.Detail)
	case pe.Code == "FF003": // a cycle among segments
		return storeerr.SegmentCycle(strings.Split(pe.Message, " -> "))
	case pe.Code == "FF004": // a missing prerequisite (migration 0011)
		return storeerr.MissingPrerequisite(pe.ColumnName, pe.Message)
	case pe.Code == "FF005": // deleting, archiving or renaming a required flag
		var users []string
		_ = json.Unmarshal([]byte(pe.Detail), &users)
		return storeerr.PrerequisiteInUse(pe.Message, users)
	case pe.Code == "FF006": // a cycle among prerequisites
		return storeerr.PrerequisiteCycle(pe.Message, strings.Split(pe.Detail, " -> "))
	case pe.Code == "22021", // character_not_in_repertoire: NUL or invalid UTF-8 in text
		pe.Code == "22P05": // untranslatable_character: \u0000 in jsonb
		return storeerr.InvalidText(err)
	}
	return nil
}
