package storetest

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

// testAuditList checks ListAudit's filters, order and paging over events
// made by toggles, many of them at one time.
func testAuditList(t *testing.T, s ff.Store) {
	f, made := makeToggleEvents(t, s)
	t0 := now
	where := func(keep func(*ff.AuditEvent) bool) []*ff.AuditEvent { return selectEvents(made, keep) }
	check := func(what string, f ff.AuditFilter, pageSize int, want []*ff.AuditEvent) {
		t.Helper()
		checkAuditList(t, s, what, f, pageSize, want)
	}
	bob := ff.Actor{Type: "token", ID: "tok-b", Name: "bob"}
	local := ff.Actor{Type: "local"}

	all := newestFirst(made)
	if all[0].Actor != bob || all[len(all)-1].Actor != local {
		t.Fatal("the test's events are not ordered as meant")
	}
	// The default limit is 50: two pages.
	events, next, err := s.ListAudit(ctx(t), ff.AuditFilter{})
	must(t, err)
	if len(events) != 50 || next == "" {
		t.Fatalf("default page: %d events, next %q; want 50 and a cursor", len(events), next)
	}
	check("default limit", ff.AuditFilter{}, 50, all)
	for _, size := range []int{1, 7, 10, 30, 56, 57, 1000} {
		check(fmt.Sprintf("pages of %d", size), ff.AuditFilter{Limit: size}, size, all)
	}
	// A page that ends exactly at the last event has no next page.
	events, next, err = s.ListAudit(ctx(t), ff.AuditFilter{Limit: len(all)})
	must(t, err)
	if len(events) != len(all) || next != "" {
		t.Fatalf("one full page: %d events, next %q", len(events), next)
	}

	check("target", ff.AuditFilter{TargetID: f.ID, Limit: 4}, 4, where(func(ev *ff.AuditEvent) bool { return ev.TargetID == f.ID }))
	check("environment", ff.AuditFilter{Environment: "staging", Limit: 6}, 6, where(func(ev *ff.AuditEvent) bool { return ev.Environment == "staging" }))
	check("actor id", ff.AuditFilter{Actor: "tok-b"}, 50, where(func(ev *ff.AuditEvent) bool { return ev.Actor.ID == "tok-b" }))
	check("actor name", ff.AuditFilter{Actor: "alice", Limit: 8}, 8, where(func(ev *ff.AuditEvent) bool { return ev.Actor.Name == "alice" }))
	check("since (inclusive)", ff.AuditFilter{Since: t0, Limit: 9}, 9, where(func(ev *ff.AuditEvent) bool { return !ev.Time.Before(t0) }))
	check("until (exclusive)", ff.AuditFilter{Until: t0}, 50, where(func(ev *ff.AuditEvent) bool { return ev.Time.Before(t0) }))
	check("since and until", ff.AuditFilter{Since: t0.Add(-time.Millisecond), Until: t0.Add(time.Minute), Limit: 5}, 5,
		where(func(ev *ff.AuditEvent) bool {
			return !ev.Time.Before(t0.Add(-time.Millisecond)) && ev.Time.Before(t0.Add(time.Minute))
		}))
	check("target and environment", ff.AuditFilter{TargetID: f.ID, Environment: "production", Limit: 11}, 11,
		where(func(ev *ff.AuditEvent) bool { return ev.TargetID == f.ID && ev.Environment == "production" }))
	check("actor and target", ff.AuditFilter{Actor: "bob", TargetID: f.ID}, 50,
		where(func(ev *ff.AuditEvent) bool { return ev.Actor.Name == "bob" && ev.TargetID == f.ID }))
	check("nothing matches", ff.AuditFilter{Actor: "alice", Environment: "staging"}, 50, nil)

	_, _, err = s.ListAudit(ctx(t), ff.AuditFilter{Cursor: "not a cursor"})
	mustCode(t, err, ff.EINVALID)
}

// makeToggleEvents creates two flags and toggles them, recording events
// at several times, and returns the first flag and the events made.
func makeToggleEvents(t *testing.T, s ff.Store) (*ff.Flag, []*ff.AuditEvent) {
	addEnvs(t, s, "production", "staging")
	f, g := newFlag("f"), newFlag("g")
	must(t, s.CreateFlag(ctx(t), f))
	must(t, s.CreateFlag(ctx(t), g))

	alice := ff.Actor{Type: "token", ID: "tok-a", Name: "alice"}
	bob := ff.Actor{Type: "token", ID: "tok-b", Name: "bob"}
	local := ff.Actor{Type: "local"}
	t0 := now
	var made []*ff.AuditEvent
	toggle := func(n int, actor ff.Actor, flag *ff.Flag, env string, at time.Time) {
		for range n {
			ev := &ff.AuditEvent{Time: at, Actor: actor, Action: "flag.toggle", TargetType: "flag",
				TargetID: flag.ID, TargetName: flag.Name, Environment: env}
			_, err := s.ToggleFlag(ff.WithAudit(ctx(t), ev), flag.ID, env, ff.AnyVersion, at)
			must(t, err)
			made = append(made, ev)
		}
	}
	toggle(30, alice, f, "production", t0) // one time: paging must break ties by id
	toggle(15, bob, g, "staging", t0.Add(time.Minute))
	toggle(10, local, f, "staging", t0.Add(-time.Minute))
	toggle(1, bob, f, "production", t0.Add(-time.Millisecond))
	return f, made
}

// newestFirst returns events sorted as ListAudit lists them.
func newestFirst(events []*ff.AuditEvent) []*ff.AuditEvent {
	events = slices.Clone(events)
	slices.SortFunc(events, func(a, b *ff.AuditEvent) int {
		return cmp.Or(b.Time.Compare(a.Time), strings.Compare(b.ID, a.ID))
	})
	return events
}

// selectEvents returns the events keep keeps, newest first.
func selectEvents(events []*ff.AuditEvent, keep func(*ff.AuditEvent) bool) []*ff.AuditEvent {
	var out []*ff.AuditEvent
	for _, ev := range events {
		if keep(ev) {
			out = append(out, ev)
		}
	}
	return newestFirst(out)
}

// listAudit reads every page of f's selection, checking each page's size.
func listAudit(t *testing.T, s ff.AuditLog, f ff.AuditFilter, pageSize int) []*ff.AuditEvent {
	t.Helper()
	var all []*ff.AuditEvent
	for pages := 0; ; pages++ {
		events, next, err := s.ListAudit(ctx(t), f)
		must(t, err)
		if next != "" && len(events) != pageSize || len(events) > pageSize {
			t.Fatalf("page %d of %+v has %d events (next %q), want %d", pages, f, len(events), next, pageSize)
		}
		all = append(all, events...)
		if next == "" {
			return all
		}
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		f.Cursor = next
	}
}

// checkAuditList checks that listing f's selection in pages of pageSize
// gives want.
func checkAuditList(t *testing.T, s ff.AuditLog, what string, f ff.AuditFilter, pageSize int, want []*ff.AuditEvent) {
	t.Helper()
	got := listAudit(t, s, f, pageSize)
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("%s: event %d is\n%s\nwant\n%s", what, i, dump(got[i]), dump(want[i]))
		}
	}
}
