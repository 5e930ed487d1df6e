package mongotest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/mongotest"
	"github.com/featureflags/featureflags/internal/server/livetest"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/store/mongo"
)

// TestLiveReplicasOnMongo: two services on two stores opened on one
// database hear of each other's changes. FerretDB has no change streams, so
// the stores poll the revision (every mongo.RevisionPollInterval).
func TestLiveReplicasOnMongo(t *testing.T) {
	url := mongotest.Start(t)
	open := func() ff.Store {
		s, err := mongo.Open(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	livetest.Replicas(t, open(), open())
}

// TestWatchRevisions: the store announces every change made through
// another store on the same database.
func TestWatchRevisions(t *testing.T) {
	url := mongotest.Start(t)
	watcher, err := mongo.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	writer, err := mongo.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	revs := make(chan int64, 100)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- watcher.WatchRevisions(ctx, func(rev int64) { revs <- rev }) }()
	if rev := <-revs; rev != 0 {
		t.Fatalf("first notification %d, want 0 (check the revision)", rev)
	}
	for i := range 3 {
		if err := writer.CreateEnvironment(t.Context(), &ff.Environment{Name: fmt.Sprintf("env-%d", i), CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		want, err := writer.Revision(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for got := int64(-1); got < want; {
			select {
			case got = <-revs:
			case err := <-done:
				t.Fatalf("WatchRevisions returned %v", err)
			case <-time.After(testenv.Wait):
				t.Fatalf("revision %d never announced", want)
			}
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("WatchRevisions returned %v after its context ended", err)
	}
}
