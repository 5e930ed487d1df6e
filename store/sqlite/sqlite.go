// Package sqlite is the embedded store: one SQLite file, written through a
// single connection so that writers queue in the process instead of failing
// with SQLITE_BUSY, read through a pool of connections in WAL mode.
//
// It uses modernc.org/sqlite, a pure-Go SQLite, so the binary builds with
// CGO_ENABLED=0.
package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/migrate"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is a featureflags.Store on a SQLite file.
type Store struct {
	write *sql.DB // exactly one connection: SQLite allows one writer at a time
	read  *sql.DB

	// beforeCommit, when set (tests), runs last in a group's transaction.
	beforeCommit func(context.Context, *sql.Tx) error
}

var _ ff.Store = (*Store)(nil)

// Option changes how Open opens a database.
type Option func(*options)

type options struct{ sync string }

// Unsynced makes commits skip syncing to disk (synchronous=OFF): a crash of
// the machine may lose the last ones. For tests and fuzzing only, whose
// databases are thrown away and whose speed is the number of commits.
func Unsynced() Option { return func(o *options) { o.sync = "OFF" } }

// Open opens (creating if needed) the SQLite database at path, a file path
// or a "file:" URL, and brings its schema up to date. A new file is
// readable by its owner only (0600), as are SQLite's -wal and -shm files,
// which take the database's mode: it holds token hashes and the audit.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := options{sync: "FULL"}
	for _, opt := range opts {
		opt(&o)
	}
	path = strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" {
		return nil, ff.Errorf(ff.EINVALID, "store: empty SQLite path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create directory for %s: %w", path, err)
		}
	}
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	// synchronous(FULL) syncs the write-ahead log on every commit: an
	// acknowledged write survives a crash of the process and of the machine.
	pragmas := "_pragma=journal_mode(WAL)&_pragma=synchronous(" + o.sync + ")&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
	write, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	read, err := sql.Open("sqlite", dsn+"&mode=ro")
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	read.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	s := &Store{write: write, read: read}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// createPrivate creates the database file with mode 0600 unless it exists,
// before SQLite would create it with 0644.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: create %s: %w", path, err)
	}
	return f.Close()
}

// Close closes the database.
func (s *Store) Close() error {
	return errors.Join(s.read.Close(), s.write.Close())
}

// Ping checks that the database file can be read.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return translate(err)
	}
	return nil
}

// migrate applies the embedded migrations newer than the database's
// schema version, each in its own transaction.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrate.Load(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	return migrate.Run(ctx, schema{s}, ms)
}

// schema keeps SQLite's schema version in the database's user_version.
type schema struct{ s *Store }

func (sc schema) Version(ctx context.Context) (int, error) {
	var v int
	err := sc.s.write.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, translate(err)
}

func (sc schema) Apply(ctx context.Context, m migrate.Migration) error {
	return sc.s.rawTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, m.Body); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.Version))
		return err
	})
}

// tx runs fn in a write transaction that, if fn succeeds, also writes the
// audit event ctx carries, if any, and increments the revision: the change,
// its event and the new revision commit together or not at all.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	evs := ff.AuditEventsFrom(ctx)
	for _, ev := range evs {
		if err := codec.PrepareEvent(ev); err != nil {
			return err
		}
	}
	return s.rawTx(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		for _, ev := range evs {
			if err := insertAudit(ctx, tx, ev); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE meta SET revision = revision + 1`)
		return err
	})
}

// rawTx runs fn in a write transaction, or in a savepoint of the group's
// transaction when ctx joins one (group.go).
func (s *Store) rawTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if g := s.joined(ctx); g != nil {
		failed, err := savepoint(ctx, g.tx, func() error { return fn(g.tx) })
		return translate(cmp.Or(err, failed))
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return translate(err)
	}
	defer func() {
		// A panic in fn (a group runs its writes' own code in it) must not
		// leave the one write connection in an open transaction.
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return translate(err)
	}
	return translate(tx.Commit())
}

// translate maps SQLite's errors to the domain's through the shared policy.
func translate(err error) error { return storeerr.Translate(err, driverError) }

// driverError names what SQLite reported in storeerr's terms, or returns nil.
func driverError(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return storeerr.Duplicate(uniqueKey(se.Error()), err)
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL:
			return storeerr.Unavailable(err)
		}
	}
	if errors.Is(err, sql.ErrConnDone) {
		return storeerr.Unavailable(err)
	}
	return nil
}

// uniqueKey returns the "table.column" of SQLite's message for a unique
// violation, "UNIQUE constraint failed: flags.name", or "" if there is none.
func uniqueKey(msg string) string {
	_, key, ok := strings.Cut(msg, "UNIQUE constraint failed: ")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(key, " ,("); i >= 0 {
		key = key[:i]
	}
	return key
}
