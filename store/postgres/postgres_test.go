package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	neturl "net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/postgres"
	"github.com/featureflags/featureflags/store/postgres/pgtest"
	"github.com/featureflags/featureflags/store/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func openURL(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func open(t *testing.T) *postgres.Store {
	t.Helper()
	s := openURL(t, pgtest.URL(t))
	t.Cleanup(func() { s.Close() })
	return s
}

// query runs sql directly on the database at url.
func query[T any](t *testing.T, url, sql string, args ...any) []T {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(t.Context(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := pgx.CollectRows(rows, pgx.RowTo[T])
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := ff.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

var now = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

func newFlag(name string) *ff.Flag {
	return &ff.Flag{ID: ff.NewID(), Name: name, Type: ff.TypeBoolean,
		Environments: map[string]bool{"development": true}, Version: 1, CreatedAt: now, UpdatedAt: now}
}

func TestConformance(t *testing.T) {
	pgtest.AdminURL(t) // skip once, not in every subtest
	storetest.Run(t, func(t *testing.T) ff.Store {
		return openURL(t, pgtest.URL(t))
	})
}

func TestReplicas(t *testing.T) {
	pgtest.AdminURL(t)
	storetest.RunReplicas(t, func(t *testing.T) (ff.Store, ff.Store) {
		url := pgtest.URL(t)
		return openURL(t, url), openURL(t, url)
	})
}

func TestRefusesNewerSchema(t *testing.T) {
	url := pgtest.URL(t)
	openURL(t, url).Close()
	query[int](t, url, `INSERT INTO `+postgres.MigrationsTable+` (version, name, applied_at) VALUES (99, '0099_future.sql', 0) RETURNING version`)
	_, err := postgres.Open(t.Context(), url)
	mustCode(t, err, ff.EINVALID)
	msg := ff.ErrorMessage(err)
	if !strings.Contains(msg, "version 99") || !strings.Contains(msg, "up to "+strconv.Itoa(postgres.LatestVersion())) {
		t.Fatalf("refusal does not name both versions: %q", msg)
	}
}

func TestMigrateTwiceIsNoop(t *testing.T) {
	url := pgtest.URL(t)
	s := openURL(t, url)
	must(t, s.CreateEnvironment(t.Context(), &ff.Environment{Name: "development", CreatedAt: now}))
	f := newFlag("kept")
	must(t, s.CreateFlag(t.Context(), f))
	s.Close()
	const applied = `SELECT format('%s %s %s', version, name, applied_at) FROM ` + postgres.MigrationsTable + ` ORDER BY version`
	before := query[string](t, url, applied)
	if len(before) != postgres.MigrationCount() {
		t.Fatalf("applied migrations %v, want %d", before, postgres.MigrationCount())
	}

	s = openURL(t, url)
	defer s.Close()
	if after := query[string](t, url, applied); !slices.Equal(after, before) {
		t.Fatalf("second open changed the migrations: %v, was %v", after, before)
	}
	got, err := s.FindFlag(t.Context(), "kept")
	must(t, err)
	if got.ID != f.ID {
		t.Fatalf("flag after reopening: %+v", got)
	}
	envs, err := s.ListEnvironments(t.Context())
	must(t, err)
	if len(envs) != 1 {
		t.Fatalf("environments after reopening: %v", envs)
	}
}

// Replicas starting together on a fresh database all succeed: the advisory
// lock makes them migrate one after the other.
func TestConcurrentOpen(t *testing.T) {
	url := pgtest.URL(t)
	const n = 8
	start := make(chan struct{})
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s, err := postgres.Open(t.Context(), url)
			if err == nil {
				_, err = s.ListFlags(t.Context())
				s.Close()
			}
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	versions := query[int32](t, url, `SELECT version FROM `+postgres.MigrationsTable+` ORDER BY version`)
	if len(versions) != postgres.MigrationCount() || int(versions[len(versions)-1]) != postgres.LatestVersion() {
		t.Fatalf("migrations recorded: %v", versions)
	}
}

func TestUnreachable(t *testing.T) {
	url := "postgres://postgres:s3cret@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=5"
	_, err := postgres.Open(t.Context(), url)
	mustCode(t, err, ff.EUNAVAILABLE)
	want := "postgres://postgres:xxxxx@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=5"
	if msg := ff.ErrorMessage(err); !strings.Contains(msg, want) {
		t.Fatalf("message %q does not name %s", msg, want)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error shows the password: %v", err)
	}
}

func TestOpenRefusesOtherURLs(t *testing.T) {
	for _, url := range []string{
		"mysql://root:s3cret@localhost/flags",
		"host=localhost user=postgres password=s3cret dbname=flags",
		"postgres://postgres:s3cret@127.0.0.1:5432/postgres?pool_max_conns=0",
	} {
		_, err := postgres.Open(t.Context(), url)
		mustCode(t, err, ff.EINVALID)
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func TestTranslate(t *testing.T) {
	pgErr := func(code, constraint string) error {
		return fmt.Errorf("wrapped: %w", &pgconn.PgError{Severity: "ERROR", Code: code, Message: "driver text", ConstraintName: constraint})
	}
	for _, tt := range []struct {
		err         error
		code, field string
	}{
		{pgErr("23505", "flags_name_key"), ff.ECONFLICT, "name"},
		{pgErr("23505", "environments_pkey"), ff.ECONFLICT, "name"},
		{pgErr("23505", "segments_name_key"), ff.ECONFLICT, "name"},
		{pgErr("23505", "flags_pkey"), ff.ECONFLICT, "_id"},
		{pgErr("23505", "pg_type_typname_nsp_index"), ff.EINTERNAL, ""},
		{pgErr("08006", ""), ff.EUNAVAILABLE, ""},
		{pgErr("57P01", ""), ff.EUNAVAILABLE, ""},
		{pgErr("53300", ""), ff.EUNAVAILABLE, ""},
		{pgErr("22P05", ""), ff.EINVALID, ""},
		{pgErr("42P01", ""), ff.EINTERNAL, ""},
		{&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, ff.EUNAVAILABLE, ""},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), ff.EUNAVAILABLE, ""},
		{io.ErrUnexpectedEOF, ff.EUNAVAILABLE, ""},
		{errors.New("something else"), ff.EINTERNAL, ""},
		{ff.Errorf(ff.ENOTFOUND, "flag %q not found", "x"), ff.ENOTFOUND, ""},
	} {
		err := postgres.Translate(tt.err)
		if ff.ErrorCode(err) != tt.code || ff.ErrorField(err) != tt.field {
			t.Errorf("translate(%v) = %v, want code %s field %q", tt.err, err, tt.code, tt.field)
		}
		if tt.code != ff.EINTERNAL && strings.Contains(ff.ErrorMessage(err), "driver text") {
			t.Errorf("translate(%v) shows driver text to clients: %q", tt.err, ff.ErrorMessage(err))
		}
	}
	if postgres.Translate(nil) != nil {
		t.Error("translate(nil) != nil")
	}
}

// Names order byte-wise, whatever the database's collation: as in SQLite.
func TestByteWiseOrder(t *testing.T) {
	s := open(t)
	names := []string{"b", "a", "B", "A", "a-1", "a_1", "a.1", "a1", "Z", "z0"}
	for _, n := range names {
		must(t, s.CreateFlag(t.Context(), newFlag(n)))
		must(t, s.CreateSegment(t.Context(), &ff.Segment{ID: ff.NewID(), Name: n, Match: "all", Version: 1, CreatedAt: now, UpdatedAt: now}))
	}
	slices.Sort(names)
	flags, err := s.ListFlags(t.Context())
	must(t, err)
	segs, err := s.ListSegments(t.Context())
	must(t, err)
	var fnames, snames []string
	for i := range flags {
		fnames, snames = append(fnames, flags[i].Name), append(snames, segs[i].Name)
	}
	if !slices.Equal(fnames, names) || !slices.Equal(snames, names) {
		t.Fatalf("flags %v, segments %v, want %v", fnames, snames, names)
	}
}

// Of two concurrent deletes of the last two environments one must fail.
func TestConcurrentDeleteOfLastEnvironments(t *testing.T) {
	s := open(t)
	must(t, s.CreateEnvironment(t.Context(), &ff.Environment{Name: "env0", CreatedAt: now}))
	for round := 1; round <= 20; round++ {
		left, err := s.ListEnvironments(t.Context())
		must(t, err)
		if len(left) != 1 {
			t.Fatalf("round %d: environments %v, want one", round, left)
		}
		next := fmt.Sprintf("env%d", round)
		must(t, s.CreateEnvironment(t.Context(), &ff.Environment{Name: next, CreatedAt: now}))
		start := make(chan struct{})
		errs := make(chan error, 2)
		for _, name := range []string{left[0].Name, next} {
			go func() {
				<-start
				errs <- s.DeleteEnvironment(t.Context(), name)
			}()
		}
		close(start)
		var codes []string
		for range 2 {
			codes = append(codes, ff.ErrorCode(<-errs))
		}
		slices.Sort(codes)
		if !slices.Equal(codes, []string{"", ff.EINVALID}) {
			t.Fatalf("round %d: results %q, want one success and one EINVALID", round, codes)
		}
	}
}

func TestInputErrors(t *testing.T) {
	s := open(t)
	must(t, s.CreateFlag(t.Context(), newFlag("taken")))
	err := s.CreateFlag(t.Context(), newFlag("taken"))
	mustCode(t, err, ff.ECONFLICT)
	if ff.ErrorField(err) != "name" {
		t.Fatalf("conflict blames %q, want name", ff.ErrorField(err))
	}
	must(t, s.CreateEnvironment(t.Context(), &ff.Environment{Name: "production", CreatedAt: now}))
	err = s.CreateEnvironment(t.Context(), &ff.Environment{Name: "production", CreatedAt: now})
	mustCode(t, err, ff.ECONFLICT)
	if ff.ErrorField(err) != "name" {
		t.Fatalf("conflict blames %q, want name", ff.ErrorField(err))
	}
	// PostgreSQL text cannot hold NUL, which SQLite accepts: refused as input.
	f := newFlag("nul")
	f.Description = "a\x00b"
	mustCode(t, s.CreateFlag(t.Context(), f), ff.EINVALID)
	f = newFlag("nul-json")
	f.Variants = map[string]any{"on": "a\x00b"}
	mustCode(t, s.CreateFlag(t.Context(), f), ff.EINVALID)
}

// A connection the server ends is reported as EUNAVAILABLE, never as an
// internal error, and the pool recovers.
func TestServerEndsConnections(t *testing.T) {
	u, err := neturl.Parse(pgtest.URL(t))
	must(t, err)
	q := u.Query()
	q.Set("pool_max_conns", "1")
	u.RawQuery = q.Encode()
	s := openURL(t, u.String())
	defer s.Close()
	must(t, s.Ping(t.Context()))
	dbName := strings.TrimPrefix(u.Path, "/")
	killed := query[bool](t, pgtest.AdminURL(t),
		`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, dbName)
	if len(killed) == 0 {
		t.Fatal("no connection to end")
	}
	for i := 0; ; i++ {
		_, err := s.ListFlags(t.Context())
		if err == nil {
			break
		}
		mustCode(t, err, ff.EUNAVAILABLE)
		if i == 3 {
			t.Fatalf("the pool does not recover: %v", err)
		}
	}
}
