package usage

import (
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/store/sqlite"
)

// BenchmarkFlushHour100kFlags is one hour of the sizing case: 100,000
// flags in 4 environments, each flag evaluated in each environment during
// the hour (10,000 evaluations/s make 36 million an hour, ~90 per flag and
// environment), so that every flush writes the most buckets an hour can
// have. Each iteration flushes one hour into SQLite. It reports the flush
// time, the buckets and store bytes per hour and per day, and how many
// evaluations another goroutine completed during the flushes (evaluation
// never waits for them).
func BenchmarkFlushHour100kFlags(b *testing.B) {
	const nFlags = 100_000
	envs := []string{"development", "staging", "production", "qa"}
	flags := make([]*ff.Flag, nFlags)
	on := map[string]bool{}
	for _, e := range envs {
		on[e] = true
	}
	for i := range flags {
		name := "flag-" + strconv.Itoa(i)
		flags[i] = &ff.Flag{ID: "id-" + strconv.Itoa(i), Name: name, Environments: on}
	}
	snap := eval.Compile(flags, nil, envs, 1)
	path := filepath.Join(b.TempDir(), "usage.db")
	db, err := sqlite.Open(b.Context(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	ids := make(map[string]string, len(flags))
	for _, f := range flags {
		ids[f.Name] = f.ID
	}
	flagID := func(name string) (string, bool) { id, ok := ids[name]; return id, ok }
	c := New(Config{Snapshot: func() *eval.Snapshot { return snap }, FlagID: flagID,
		Store: func() ff.Store { return db }, Now: func() time.Time { return now }, MaxPending: 1_000_000})
	sizeBefore := dbSize(path)
	var during atomic.Int64
	var flushing atomic.Bool
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // evaluation beside the flushes
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			snap.Resolve("production", flags[i%nFlags].Name, nil)
			if flushing.Load() {
				during.Add(1)
			}
		}
	}()
	var flushTime time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for _, f := range flags {
			for _, e := range envs {
				snap.Resolve(e, f.Name, nil)
			}
		}
		now = now.Add(time.Hour)
		b.StartTimer()
		start := time.Now()
		flushing.Store(true)
		if err := c.Flush(b.Context()); err != nil {
			b.Fatal(err)
		}
		flushing.Store(false)
		flushTime += time.Since(start)
	}
	b.StopTimer()
	close(stop)
	<-done
	perHour := float64(dbSize(path)-sizeBefore) / float64(b.N)
	b.ReportMetric(flushTime.Seconds()*1000/float64(b.N), "flush-ms/hour")
	b.ReportMetric(nFlags*float64(len(envs)), "buckets/hour")
	b.ReportMetric(perHour/(nFlags*float64(len(envs))), "store-bytes/bucket")
	b.ReportMetric(perHour*24/(1<<20), "store-MB/day")
	b.ReportMetric(float64(during.Load())/float64(b.N), "evals-during-flush")
}

// dbSize is the SQLite database's size with its write-ahead log.
func dbSize(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}
