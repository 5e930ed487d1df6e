package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/postgres"
	"github.com/featureflags/featureflags/store/postgres/pgtest"
	"github.com/jackc/pgx/v5"
)

// watch runs s.WatchRevisions until the test ends; the channel receives
// its notifications, done its result.
func watch(t *testing.T, s *postgres.Store) (revs chan int64, done chan error) {
	revs, done = make(chan int64, 1000), make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		err := s.WatchRevisions(ctx, func(rev int64) { revs <- rev })
		done <- err
		close(revs)
	}()
	return revs, done
}

// announced waits until revs delivers want (or more).
func announced(t *testing.T, revs <-chan int64, want int64) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case got, ok := <-revs:
			if !ok {
				t.Fatalf("WatchRevisions stopped before announcing %d", want)
			}
			if got >= want {
				return
			}
		case <-deadline:
			t.Fatalf("revision %d never announced", want)
		}
	}
}

// TestWatchRevisions: every kind of write, through another store on the
// same database, is announced with its revision, and nothing of a write
// that failed.
func TestWatchRevisions(t *testing.T) {
	url := pgtest.URL(t)
	watcher, writer := openURL(t, url), openURL(t, url)
	t.Cleanup(func() { watcher.Close(); writer.Close() })
	revs, _ := watch(t, watcher)
	if rev := <-revs; rev != 0 {
		t.Fatalf("first notification %d, want 0", rev)
	}
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Millisecond)
	f := &ff.Flag{ID: ff.NewID(), Name: "f", Type: ff.TypeBoolean, Environments: map[string]bool{}, Version: 1, CreatedAt: now, UpdatedAt: now}
	writes := []func() error{
		func() error {
			return writer.CreateEnvironment(ctx, &ff.Environment{Name: "production", CreatedAt: now})
		}, // exec
		func() error { return writer.CreateFlag(ctx, f) },
		func() error { _, err := writer.ToggleFlag(ctx, f.ID, "production", ff.AnyVersion, now); return err }, // withRevision RETURNING
		func() error {
			return writer.Import(ctx, &ff.Dataset{Environments: []*ff.Environment{{Name: "staging", CreatedAt: now}}})
		}, // tx
		func() error { return writer.DeleteEnvironment(ctx, "staging") },
	}
	for i, w := range writes {
		if err := w(); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		rev, err := writer.Revision(ctx)
		if err != nil {
			t.Fatal(err)
		}
		announced(t, revs, rev)
	}
	// A write refused (a duplicate) commits nothing and announces nothing.
	if err := writer.CreateFlag(ctx, f); ff.ErrorCode(err) != ff.ECONFLICT {
		t.Fatalf("duplicate: %v", err)
	}
	rev, _ := writer.Revision(ctx)
	if err := writer.CreateEnvironment(ctx, &ff.Environment{Name: "qa", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if got := <-revs; got != rev+1 {
		t.Fatalf("after a refused write: announced %d, want %d", got, rev+1)
	}
}

// TestWatchRevisionsConnectionLost: WatchRevisions returns an EUNAVAILABLE
// error when its connection is cut, and a new call listens again.
func TestWatchRevisionsConnectionLost(t *testing.T) {
	url := pgtest.URL(t)
	s := openURL(t, url)
	t.Cleanup(func() { s.Close() })
	revs, done := watch(t, s)
	<-revs
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	err = conn.QueryRow(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN `+postgres.Channel+`'`).Scan(&n)
	if err != nil || n != 1 {
		t.Fatalf("terminated %d listening sessions: %v", n, err)
	}
	select {
	case err := <-done:
		if ff.ErrorCode(err) != ff.EUNAVAILABLE {
			t.Fatalf("returned %v, want EUNAVAILABLE", err)
		}
		done <- err // for the cleanup
	case <-time.After(15 * time.Second):
		t.Fatal("WatchRevisions did not notice its connection was cut")
	}
	revs2, _ := watch(t, s)
	if rev := <-revs2; rev != 0 {
		t.Fatalf("first notification after reconnecting: %d", rev)
	}
	if err := s.CreateEnvironment(t.Context(), &ff.Environment{Name: fmt.Sprint("e", time.Now().UnixNano()), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	rev, _ := s.Revision(t.Context())
	announced(t, revs2, rev)
}
