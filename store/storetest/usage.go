package storetest

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

func usageStore(t *testing.T, s ff.Store) ff.UsageStore {
	t.Helper()
	us, ok := s.(ff.UsageStore)
	if !ok {
		t.Fatalf("%T does not implement featureflags.UsageStore", s)
	}
	return us
}

func bucket(flag, env string, hour time.Time, variant string, n int64) ff.UsageBucket {
	return ff.UsageBucket{FlagID: flag, Environment: env, Hour: hour, Variant: variant, Reason: "STATIC", Count: n}
}

func testUsage(t *testing.T, s ff.Store) {
	us := usageStore(t, s)
	h0 := ff.UsageHour(now)
	h1 := h0.Add(time.Hour)
	rev, err := s.Revision(ctx(t))
	must(t, err)
	must(t, us.AddUsage(ctx(t), []ff.UsageBucket{
		bucket("f1", "production", now, "on", 2), // hours are truncated
		bucket("f1", "production", h0, "on", 3),  // same bucket: summed
		bucket("f1", "production", h1, "off", 1),
		bucket("f1", "staging", h0, "on", 4),
		bucket("f2", "production", h0, "on", 0), // zero: nothing stored
		{FlagID: "f1", Environment: "production", Hour: h1, Reason: "ERROR", ErrorCode: "PARSE_ERROR", Count: 7},
	}))
	must(t, us.AddUsage(ctx(t), []ff.UsageBucket{bucket("f1", "production", h0, "on", 10)}))
	got, err := us.Usage(ctx(t), ff.UsageFilter{FlagID: "f1", Environment: "production"})
	must(t, err)
	want := []ff.UsageBucket{
		bucket("f1", "production", h0, "on", 15),
		{FlagID: "f1", Environment: "production", Hour: h1, Reason: "ERROR", ErrorCode: "PARSE_ERROR", Count: 7},
		bucket("f1", "production", h1, "off", 1),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Usage:\n%s\nwant\n%s", dump(got), dump(want))
	}
	got, err = us.Usage(ctx(t), ff.UsageFilter{Since: h1, Until: h1.Add(time.Hour)})
	must(t, err)
	if len(got) != 2 || !got[0].Hour.Equal(h1) || !got[1].Hour.Equal(h1) {
		t.Fatalf("Usage of the second hour: %s", dump(got))
	}
	last, err := us.LastUsage(ctx(t))
	must(t, err)
	wantLast := []ff.UsageBucket{
		{FlagID: "f1", Environment: "production", Hour: h1},
		{FlagID: "f1", Environment: "staging", Hour: h0},
	}
	if !reflect.DeepEqual(last, wantLast) {
		t.Fatalf("LastUsage:\n%s\nwant\n%s", dump(last), dump(wantLast))
	}
	if after, err := s.Revision(ctx(t)); err != nil || after != rev {
		t.Errorf("revision moved from %d to %d (%v): usage is bookkeeping", rev, after, err)
	}
}

// Replicas flushing the same buckets at once lose none of each other's
// counts.
func testConcurrentUsage(t *testing.T, s ff.Store) {
	us := usageStore(t, s)
	h := ff.UsageHour(now)
	const replicas, flushes = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, replicas*flushes)
	for r := 0; r < replicas; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < flushes; i++ {
				var bs []ff.UsageBucket
				for f := 0; f < 5; f++ {
					bs = append(bs, bucket(fmt.Sprint("f", f), "production", h, "on", 1), bucket(fmt.Sprint("f", f), "staging", h, "off", 2))
				}
				errs <- us.AddUsage(ctx(t), bs)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := us.Usage(ctx(t), ff.UsageFilter{})
	must(t, err)
	if len(got) != 10 {
		t.Fatalf("%d buckets, want 10: %s", len(got), dump(got))
	}
	for _, b := range got {
		want := int64(replicas * flushes)
		if b.Environment == "staging" {
			want *= 2
		}
		if b.Count != want {
			t.Errorf("%s/%s: %d, want %d", b.FlagID, b.Environment, b.Count, want)
		}
	}
}

// A flag's owner, kind, expiry and archive time are kept, changed by
// UpdateFlag and cleared by it.
func testLifecycle(t *testing.T, s ff.Store) {
	f := richFlag("archivable")
	must(t, s.CreateFlag(ctx(t), f))
	g := f.Clone()
	archived := now.Add(time.Hour)
	g.ArchivedAt, g.Owner, g.Kind, g.Version = &archived, "someone else", ff.KindKillSwitch, 2
	must(t, s.UpdateFlag(ctx(t), g, 1))
	got, err := s.FindFlag(ctx(t), f.ID)
	must(t, err)
	if !reflect.DeepEqual(got, g) {
		t.Fatalf("after update:\n got %s\nwant %s", dump(got), dump(g))
	}
	g.ArchivedAt, g.ExpiresAt, g.Owner, g.Kind, g.Version = nil, nil, "", "", 3
	must(t, s.UpdateFlag(ctx(t), g, 2))
	got, err = s.FindFlag(ctx(t), f.ID)
	must(t, err)
	if !reflect.DeepEqual(got, g) {
		t.Fatalf("after clearing:\n got %s\nwant %s", dump(got), dump(g))
	}
}
