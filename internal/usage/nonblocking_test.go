package usage

import (
	"context"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/store/sqlite"
)

// stuckStore is a SQLite store whose AddUsage waits until released: a
// flush stuck on a slow database.
type stuckStore struct {
	*sqlite.Store
	entered, release chan struct{}
}

func (s *stuckStore) AddUsage(ctx context.Context, buckets []ff.UsageBucket) error {
	close(s.entered)
	<-s.release
	return s.Store.AddUsage(ctx, buckets)
}

// A flush never blocks evaluation: while one waits on the store,
// evaluations, snapshot changes and SDK reports all go on, and what they
// count reaches the store with the next flush.
func TestFlushNeverBlocksEvaluation(t *testing.T) {
	r := newRig(t)
	stuck := &stuckStore{Store: r.db, entered: make(chan struct{}), release: make(chan struct{})}
	r.store.Store(&storeBox{stuck})
	r.snap.Load().Evaluate("production", "a", nil)
	flushed := make(chan error, 1)
	go func() { flushed <- r.c.Flush(context.Background()) }()
	<-stuck.entered

	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 1000; i++ {
			r.snap.Load().Evaluate("production", "a", nil)
		}
		r.snap.Store(eval.Compile(r.flags, nil, []string{"production"}, 2))
		r.c.Retire()
		r.snap.Load().Evaluate("production", "b", nil)
		r.c.Report("production", []eval.Count{{Flag: "a", Variant: "on", Reason: eval.ReasonStatic, N: 5}})
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a failure deadline, not synchronisation
		t.Fatal("evaluation waited for a flush stuck on the store")
	}
	close(stuck.release)
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	r.store.Store(&storeBox{r.db})
	if err := r.c.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	expect(t, r.usage(t), map[string]int64{
		"id-a/production/on/STATIC@10":    1 + 1000 + 5,
		"id-b/production/off/DISABLED@10": 1,
	})
}
