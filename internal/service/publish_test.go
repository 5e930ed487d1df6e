package service_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/view"
	"github.com/featureflags/featureflags/internal/view/viewtest"
)

// describe sums a change up: "reset", "+a -b", or "" for none.
func describe(c *view.Change) string {
	if c.Reset {
		return "reset"
	}
	var parts []string
	for _, f := range c.Upsert {
		parts = append(parts, "+"+f.Name)
	}
	for _, n := range c.Delete {
		parts = append(parts, "-"+n)
	}
	return strings.Join(parts, " ")
}

// one takes the one change r heard and checks it.
func one(t *testing.T, r *viewtest.Recorder, want string) *view.Change {
	t.Helper()
	got := r.Take()
	if len(got) != 1 {
		t.Fatalf("heard %d changes, want 1 (%s)", len(got), want)
	}
	if d := describe(got[0]); d != want {
		t.Fatalf("heard %q, want %q", d, want)
	}
	if got[0].From >= got[0].Revision || got[0].Time.IsZero() {
		t.Fatalf("change from %d to %d at %v", got[0].From, got[0].Revision, got[0].Time)
	}
	return got[0]
}

func TestPublishLocalWrites(t *testing.T) {
	svc := service.New(openSQLite(t, filepath.Join(t.TempDir(), "flags.db")))
	ctx := context.Background()
	if err := svc.Init(ctx); err != nil {
		t.Fatal(err)
	}
	r := &viewtest.Recorder{}
	remove := svc.AddPublisher(r)

	f, err := svc.CreateFlag(ctx, service.FlagInput{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	c := one(t, r, "+a")
	if c.Revision != c.From+1 || c.Upsert[0] != f || !slices.Equal(c.Environments, []string{"development", "staging", "production"}) {
		t.Fatalf("create: %+v", c)
	}
	svc.ToggleFlag(ctx, "a", "production", ff.AnyVersion)
	one(t, r, "+a")
	name := "b"
	svc.UpdateFlag(ctx, "a", service.FlagPatch{Name: &name}, ff.AnyVersion)
	one(t, r, "+b -a")
	svc.DeleteFlag(ctx, "b", ff.AnyVersion)
	one(t, r, "-b")
	svc.CreateSegment(ctx, service.SegmentInput{Name: &name})
	one(t, r, "reset")
	svc.CreateEnvironment(ctx, "qa")
	c = one(t, r, "reset")
	if !slices.Contains(c.Environments, "qa") {
		t.Fatalf("environments %v", c.Environments)
	}
	svc.DeleteEnvironment(ctx, "qa")
	if c = one(t, r, "reset"); !slices.Contains(c.Environments, "qa") {
		t.Fatalf("a deleted environment's streams hear of it: %v", c.Environments)
	}
	svc.CreateToken(ctx, service.TokenInput{Name: "t", Role: ff.RoleViewer})
	one(t, r, "") // /events hears of every revision

	// An import: its flags, or a reset when there are many.
	small := &ff.Dataset{Flags: []*ff.Flag{{ID: ff.NewID(), Name: "i1", Version: 1}, {ID: ff.NewID(), Name: "i2", Version: 1}}}
	if err := svc.Import(ctx, small); err != nil {
		t.Fatal(err)
	}
	one(t, r, "+i1 +i2")
	big := &ff.Dataset{}
	for i := range 300 {
		big.Flags = append(big.Flags, &ff.Flag{ID: ff.NewID(), Name: fmt.Sprintf("many-%d", i), Version: 1})
	}
	if err := svc.Import(ctx, big); err != nil {
		t.Fatal(err)
	}
	one(t, r, "reset")
	// The same flags again, changed in content only (same versions).
	for _, fl := range small.Flags {
		fl.Description = "changed"
	}
	if err := svc.Import(ctx, small); err != nil {
		t.Fatal(err)
	}
	one(t, r, "+i1 +i2")

	remove()
	svc.ToggleFlag(ctx, "i1", "staging", ff.AnyVersion)
	if got := r.Take(); len(got) != 0 {
		t.Fatalf("heard %d changes after remove", len(got))
	}
}

// Changes another process made arrive with a reload, summed up: a flag
// created and deleted meanwhile is not mentioned.
func TestPublishOtherProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.db")
	a, b := service.New(openSQLite(t, path)), service.New(openSQLite(t, path))
	ctx := context.Background()
	for _, s := range []*service.Service{a, b} {
		if err := s.Init(ctx); err != nil {
			t.Fatal(err)
		}
	}
	a.CreateFlag(ctx, service.FlagInput{Name: "kept"})
	a.CreateFlag(ctx, service.FlagInput{Name: "gone"})
	b.Refresh(ctx)
	r := &viewtest.Recorder{}
	b.AddPublisher(r)

	a.ToggleFlag(ctx, "kept", "production", ff.AnyVersion)
	a.DeleteFlag(ctx, "gone", ff.AnyVersion)
	a.CreateFlag(ctx, service.FlagInput{Name: "brief"})
	a.DeleteFlag(ctx, "brief", ff.AnyVersion)
	a.CreateFlag(ctx, service.FlagInput{Name: "new"})
	if _, err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	c := one(t, r, "+kept +new -gone")
	if c.Revision-c.From != 5 {
		t.Fatalf("from %d to %d", c.From, c.Revision)
	}
	if !c.Upsert[0].Environments["production"] {
		t.Fatalf("kept: %+v", c.Upsert[0])
	}
	b.Refresh(ctx)
	if got := r.Take(); len(got) != 0 {
		t.Fatalf("a refresh that found nothing new published %d changes", len(got))
	}
}

// Concurrent writes are published in revision order, each from the
// revision of the one before.
func TestPublishOrder(t *testing.T) {
	svc := service.New(openSQLite(t, filepath.Join(t.TempDir(), "flags.db")))
	ctx := context.Background()
	svc.Init(ctx)
	svc.CreateFlag(ctx, service.FlagInput{Name: "hot"})
	r := &viewtest.Recorder{}
	svc.AddPublisher(r)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				if _, err := svc.ToggleFlag(ctx, "hot", "production", ff.AnyVersion); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got := r.Take()
	if len(got) != 200 {
		t.Fatalf("%d changes, want 200", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].From != got[i-1].Revision || got[i].Revision != got[i].From+1 {
			t.Fatalf("change %d: from %d to %d after one to %d", i, got[i].From, got[i].Revision, got[i-1].Revision)
		}
	}
}

// Follow returns at once for a store that cannot announce changes.
func TestFollowWithoutAnnouncements(t *testing.T) {
	svc := service.New(openSQLite(t, filepath.Join(t.TempDir(), "flags.db")))
	svc.Init(context.Background())
	done := make(chan struct{})
	go func() { svc.Follow(context.Background(), nil); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Follow did not return for SQLite")
	}
}
