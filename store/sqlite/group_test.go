package sqlite_test

import (
	"context"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/view"
	"github.com/featureflags/featureflags/internal/view/viewtest"
	"github.com/featureflags/featureflags/store/sqlite"
)

func groupService(t *testing.T, opts ...service.Option) (*sqlite.Store, *service.Service, *viewtest.Recorder) {
	return serviceOn(t, func(st *sqlite.Store) ff.Store { return st }, opts...)
}

// serviceOn returns a new store and a service on wrap(store) whose view
// changes rec hears of.
func serviceOn(t *testing.T, wrap func(*sqlite.Store) ff.Store, opts ...service.Option) (*sqlite.Store, *service.Service, *viewtest.Recorder) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "flags.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := service.New(wrap(st), opts...)
	if err := svc.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	rec := &viewtest.Recorder{}
	t.Cleanup(svc.AddPublisher(rec))
	return st, svc, rec
}

// createTogether creates a flag of each name from concurrent clients whose
// writes all wait while the write lock is held, so that they are made as
// one group, and returns each one's flag and error.
func createTogether(t *testing.T, svc *service.Service, names []string) ([]*ff.Flag, []error) {
	t.Helper()
	flags, errs := make([]*ff.Flag, len(names)), make([]error, len(names))
	var wg sync.WaitGroup
	err := svc.Write(t.Context(), func(*view.View) error {
		for i, name := range names {
			wg.Go(func() { flags[i], errs[i] = svc.CreateFlag(context.Background(), service.FlagInput{Name: name}) })
		}
		for svc.WritesWaiting() < len(names) {
			runtime.Gosched()
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	return flags, errs
}

// Concurrent creates committed together: exactly the ones that conflict or
// are invalid are refused; the others are all committed, each audited once
// and at version 1, each moving the revision by one and heard of as a
// change of its own.
// The same holds, a create at a time, on a store that cannot group.
func TestGroupCommitRefusesOnlyItsOwn(t *testing.T) {
	t.Run("grouped", func(t *testing.T) { refusesOnlyItsOwn(t, func(st *sqlite.Store) ff.Store { return st }) })
	t.Run("alone", func(t *testing.T) { refusesOnlyItsOwn(t, func(st *sqlite.Store) ff.Store { return alone{st} }) })
}

func refusesOnlyItsOwn(t *testing.T, wrap func(*sqlite.Store) ff.Store) {
	st, svc, rec := serviceOn(t, wrap)
	ctx := t.Context()
	if _, err := svc.CreateFlag(ctx, service.FlagInput{Name: "taken"}); err != nil {
		t.Fatal(err)
	}
	before, err := st.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec.Take()
	names := []string{"a", "dup", "b", "taken", "dup", "c", "not a name!", "d", "dup", "e", "f", "g"}
	flags, errs := createTogether(t, svc, names)

	want := map[string]int{"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1, "g": 1, "dup": 1}
	made := map[string]*ff.Flag{}
	for i, name := range names {
		switch code := ff.ErrorCode(errs[i]); {
		case errs[i] == nil:
			if made[name] != nil {
				t.Errorf("%q created twice", name)
			}
			made[name] = flags[i]
		case name == "taken" || name == "dup":
			if code != ff.ECONFLICT {
				t.Errorf("%q: %v, want a conflict", name, errs[i])
			}
		case name == "not a name!":
			if code != ff.EINVALID {
				t.Errorf("%q: %v, want invalid", name, errs[i])
			}
		default:
			t.Errorf("%q refused: %v", name, errs[i])
		}
	}
	if len(made) != len(want) {
		t.Fatalf("created %d flags, want %d", len(made), len(want))
	}

	after, err := st.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != before+int64(len(made)) {
		t.Errorf("revision moved from %d to %d, want by %d", before, after, len(made))
	}
	v := svc.Latest()
	if v.Revision != after {
		t.Errorf("view at revision %d, store at %d", v.Revision, after)
	}
	for name, f := range made {
		stored, err := st.FindFlag(ctx, f.ID)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if stored.Name != name || stored.Version != 1 {
			t.Errorf("stored %q at version %d, want %q at 1", stored.Name, stored.Version, name)
		}
		if got := v.Flag(name); got == nil || got.ID != f.ID {
			t.Errorf("the view has %v for %q, want the flag %s", got, name, f.ID)
		}
		events, _, err := st.ListAudit(ctx, ff.AuditFilter{TargetID: f.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 || events[0].Action != service.ActionFlagCreate {
			t.Errorf("%q has %d audit events, want its create alone", name, len(events))
		}
	}
	all, _, err := st.ListAudit(ctx, ff.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if n := countAction(all, service.ActionFlagCreate); n != len(made)+1 {
		t.Errorf("%d create events, want %d (with the one of %q)", n, len(made)+1, "taken")
	}

	// One change per write, in revision order, each naming its flag.
	var heard []string
	for i, c := range rec.Take() {
		if c.From != before+int64(i) || c.Revision != c.From+1 || len(c.Upsert) != 1 || c.Reset {
			t.Fatalf("change %d: %d -> %d, %d flags, reset %v; want %d -> %d with one flag",
				i, c.From, c.Revision, len(c.Upsert), c.Reset, before+int64(i), before+int64(i)+1)
		}
		heard = append(heard, c.Upsert[0].Name)
	}
	slices.Sort(heard)
	if wantNames := sortedKeys(made); !slices.Equal(heard, wantNames) {
		t.Errorf("streams heard of %v, want %v", heard, wantNames)
	}
}

// A group whose commit fails fails every one of its writes, and none of
// them is made: no flag, no audit event, no revision, no view change.
func TestGroupCommitFailureFailsAll(t *testing.T) {
	st, svc, rec := groupService(t)
	ctx := t.Context()
	before, err := st.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec.Take()
	names := []string{"a", "b", "c", "d", "e", "f"}
	st.FailNextGroupCommit()
	_, errs := createTogether(t, svc, names)
	for i, err := range errs {
		if ff.ErrorCode(err) != ff.EINTERNAL || !strings.Contains(ff.ErrorMessage(err), "none of them was made") {
			t.Errorf("%q: %v, want the group's failed commit", names[i], err)
		}
	}
	if after, err := st.Revision(ctx); err != nil || after != before {
		t.Errorf("revision %d (%v), want %d unchanged", after, err, before)
	}
	flags, err := st.ListFlags(ctx)
	if err != nil || len(flags) != 0 {
		t.Errorf("store holds %d flags (%v), want none", len(flags), err)
	}
	if events, _, err := st.ListAudit(ctx, ff.AuditFilter{}); err != nil || countAction(events, service.ActionFlagCreate) != 0 {
		t.Errorf("audit holds creates (%v)", err)
	}
	if v := svc.Latest(); v.Revision != before || v.FlagCount() != 0 {
		t.Errorf("view at revision %d with %d flags, want %d and none", v.Revision, v.FlagCount(), before)
	}
	if n := len(rec.Take()); n != 0 {
		t.Errorf("streams heard of %d changes, want none", n)
	}
	// The store goes on: the same creates succeed once retried.
	_, errs = createTogether(t, svc, names)
	for i, err := range errs {
		if err != nil {
			t.Errorf("retrying %q: %v", names[i], err)
		}
	}
}

// The flag limit counts the creates committed before in the same group:
// exactly those beyond it are refused, naming the limit.
func TestGroupCommitCountsTheLimit(t *testing.T) {
	st, svc, _ := groupService(t, service.WithLimits(service.Limits{Flags: 5}))
	names := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	_, errs := createTogether(t, svc, names)
	made := 0
	for i, err := range errs {
		switch {
		case err == nil:
			made++
		case ff.ErrorLimit(err) != service.LimitFlags:
			t.Errorf("%q: %v, want refused by the flag limit", names[i], err)
		}
	}
	flags, err := st.ListFlags(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if made != 5 || len(flags) != 5 || svc.Latest().FlagCount() != 5 {
		t.Errorf("%d created, %d stored, %d in the view; want 5 each", made, len(flags), svc.Latest().FlagCount())
	}
}

func countAction(events []*ff.AuditEvent, action string) int {
	n := 0
	for _, ev := range events {
		if ev.Action == action {
			n++
		}
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// A write that panics inside a group takes the whole group back and leaves
// the one write connection free for the next write.
func TestGroupPanicRollsBack(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "flags.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := t.Context()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the write's panic did not reach the caller")
			}
		}()
		_, _ = st.CommitGroup(ctx, []func(func(context.Context) context.Context) error{
			func(join func(context.Context) context.Context) error {
				return st.CreateEnvironment(join(ctx), &ff.Environment{Name: "qa"})
			},
			func(func(context.Context) context.Context) error { panic("a bug in a write") },
		})
	}()
	next, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := st.CreateEnvironment(next, &ff.Environment{Name: "qa"}); err != nil {
		t.Fatalf("the next write: %v, want it made (the group's one taken back)", err)
	}
}
