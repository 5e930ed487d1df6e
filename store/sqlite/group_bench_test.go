package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/view"
	"github.com/featureflags/featureflags/store/sqlite"
)

// alone hides the store's CommitGroup: every create commits on its own.
type alone struct{ ff.Store }

// BenchmarkCreate90k measures creates from 16 concurrent clients through
// the service on a synced SQLite store of 90,000 flags, each committed
// alone and with group commit, side by side:
//
//	go test -run '^$' -bench Create90k -benchtime 2000x ./store/sqlite/
func BenchmarkCreate90k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "flags.db")
	seed(b, path, 90000)
	var n atomic.Int64 // names flags across runs on the one store
	for _, c := range []struct {
		name string
		wrap func(*sqlite.Store) ff.Store
	}{
		{"alone", func(s *sqlite.Store) ff.Store { return alone{s} }},
		{"grouped", func(s *sqlite.Store) ff.Store { return s }},
	} {
		b.Run(c.name, func(b *testing.B) {
			st, err := sqlite.Open(b.Context(), path)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			// Runs add up on the one store: the limit must not refuse them.
			svc := service.New(c.wrap(st), service.WithLimits(service.Limits{Flags: 1 << 20}))
			if err := svc.Init(b.Context()); err != nil {
				b.Fatal(err)
			}
			b.SetParallelism(8) // 16 clients on 2 cores
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					name := fmt.Sprintf("%s-%d", c.name, n.Add(1))
					if _, err := svc.CreateFlag(b.Context(), service.FlagInput{Name: name}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "creates/s")
		})
	}
}

// seed writes n flags to a new store at path.
func seed(b *testing.B, path string, n int) {
	st, err := sqlite.Open(b.Context(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	now := time.Now().UTC().Truncate(time.Millisecond)
	d := &ff.Dataset{Environments: []*ff.Environment{{Name: "production", CreatedAt: now}}}
	for i := range n {
		d.Flags = append(d.Flags, &ff.Flag{ID: ff.NewID(), Name: fmt.Sprintf("flag-%05d", i), Type: ff.TypeBoolean,
			Environments: map[string]bool{"production": i%2 == 0}, Version: 1, CreatedAt: now, UpdatedAt: now})
	}
	if err := st.Import(b.Context(), d); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkToggle100k measures one toggle through the service on a synced
// SQLite store of 100,000 flags, from the call to the view's publishers
// hearing of it (what streams and OFREP then show), with the snapshot file
// saved in the background as the server does, and without:
//
//	go test -run '^$' -bench Toggle100k -benchtime 300x ./store/sqlite/
func BenchmarkToggle100k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "flags.db")
	seed(b, path, 100000)
	for _, saving := range []bool{false, true} {
		b.Run(map[bool]string{false: "alone", true: "saving-snapshots"}[saving], func(b *testing.B) {
			st, err := sqlite.Open(b.Context(), path)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			svc := service.New(st)
			if err := svc.Init(b.Context()); err != nil {
				b.Fatal(err)
			}
			if saving {
				ctx, cancel := context.WithCancel(b.Context())
				var wg sync.WaitGroup
				wg.Go(func() {
					svc.SaveSnapshots(ctx, filepath.Join(b.TempDir(), "snapshot"), func(err error) { b.Error(err) })
				})
				defer wg.Wait()
				defer cancel()
			}
			toggles(b, svc)
		})
	}
}

// toggles toggles a flag b.N times and reports the latency's percentiles.
func toggles(b *testing.B, svc *service.Service) {
	heard := make(chan int64, 1)
	defer svc.AddPublisher(&publisherFunc{func(c *view.Change) { heard <- c.Revision }})()
	id := svc.Latest().Flag("flag-00001").ID
	took := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if _, err := svc.ToggleFlag(b.Context(), id, "production", ff.AnyVersion); err != nil {
			b.Fatal(err)
		}
		if rev := <-heard; rev != svc.Latest().Revision {
			b.Fatalf("heard of revision %d, the view is at %d", rev, svc.Latest().Revision)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
}

type publisherFunc struct{ f func(*view.Change) }

func (p *publisherFunc) Publish(c *view.Change) { p.f(c) }
