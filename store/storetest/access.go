package storetest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

// auditor makes the events of testAudit and checks what the store wrote.
type auditor struct {
	t    *testing.T
	s    ff.AuditLog
	seen int // events listed so far
	n    int // events made so far, for distinct times and request ids
}

// event returns a context carrying a new event for a change of target.
func (a *auditor) event(action, targetType, targetID, targetName, env string) (context.Context, *ff.AuditEvent) {
	a.n++
	ev := &ff.AuditEvent{
		Time:   now.Add(time.Duration(a.n) * time.Second),
		Actor:  ff.Actor{Type: "token", ID: "tok-1", Name: "alice"},
		Action: action, TargetType: targetType, TargetID: targetID, TargetName: targetName,
		Environment: env, RequestID: fmt.Sprintf("req-%d", a.n),
	}
	return ff.WithAudit(ctx(a.t), ev), ev
}

// all lists every event, newest first.
func (a *auditor) all() []*ff.AuditEvent {
	a.t.Helper()
	events, next, err := a.s.ListAudit(ctx(a.t), ff.AuditFilter{Limit: 1000})
	must(a.t, err)
	if next != "" {
		a.t.Fatalf("more than 1000 events")
	}
	return events
}

// one checks that the change made with ev succeeded and wrote exactly ev.
func (a *auditor) one(what string, ev *ff.AuditEvent, err error) {
	a.t.Helper()
	if err != nil {
		a.t.Fatalf("%s: %v", what, err)
	}
	events := a.all()
	if len(events) != a.seen+1 {
		a.t.Fatalf("%s wrote %d events, want 1", what, len(events)-a.seen)
	}
	a.seen++
	if ev.ID == "" {
		a.t.Fatalf("%s: the store did not set the event's id", what)
	}
	if !reflect.DeepEqual(events[0], ev) {
		a.t.Fatalf("%s wrote\n%s\nwant\n%s", what, dump(events[0]), dump(ev))
	}
}

// anyError, as none's code, accepts any error.
const anyError = "any error"

// none checks that a change ended with the error code (none for "") and
// wrote no event.
func (a *auditor) none(what string, err error, code string) {
	a.t.Helper()
	if code != anyError {
		mustCode(a.t, err, code)
	} else if err == nil {
		a.t.Fatalf("%s succeeded, want an error", what)
	}
	if events := a.all(); len(events) != a.seen {
		a.t.Fatalf("%s wrote %d events, want none: %s", what, len(events)-a.seen, dump(events[:len(events)-a.seen]))
	}
}

func testAudit(t *testing.T, s ff.Store) {
	a := &auditor{t: t, s: s}
	a.none("a new store", nil, "")

	c, ev := a.event("environment.create", "environment", "production", "production", "production")
	a.one("create environment", ev, s.CreateEnvironment(c, &ff.Environment{Name: "production", CreatedAt: now}))
	c, ev = a.event("environment.create", "environment", "qa.eu-1", "qa.eu-1", "qa.eu-1")
	a.one("create environment", ev, s.CreateEnvironment(c, &ff.Environment{Name: "qa.eu-1", CreatedAt: now}))
	c, _ = a.event("environment.create", "environment", "production", "production", "production")
	a.none("duplicate environment", s.CreateEnvironment(c, &ff.Environment{Name: "production", CreatedAt: now}), ff.ECONFLICT)

	f := richFlag("checkout")
	c, ev = a.event("flag.create", "flag", f.ID, f.Name, "")
	ev.After = json.RawMessage(`{"name":"checkout","environments":{"development":true,"production":false}}`)
	a.one("create flag", ev, s.CreateFlag(c, f))
	c, _ = a.event("flag.create", "flag", "x", "checkout", "")
	a.none("duplicate flag", s.CreateFlag(c, newFlag("checkout")), ff.ECONFLICT)

	next := f.Clone()
	next.Description, next.Version = "changed", 2
	c, ev = a.event("flag.update", "flag", f.ID, f.Name, "")
	// Stored byte for byte, spaces and key order included.
	ev.Before, ev.After = json.RawMessage(`{"description": "about checkout", "z":1, "a":[1, 2]}`), json.RawMessage(`{"description":"changed"}`)
	a.one("update flag", ev, s.UpdateFlag(c, next, 1))
	c, _ = a.event("flag.update", "flag", f.ID, f.Name, "")
	a.none("stale update", s.UpdateFlag(c, next, 1), ff.EPRECONDITION)
	c, _ = a.event("flag.update", "flag", "missing", "missing", "")
	a.none("update of a missing flag", s.UpdateFlag(c, newFlag("missing"), 1), ff.ENOTFOUND)

	// The store fills Before and After of a toggle from the toggled state,
	// replacing what the caller put there.
	c, ev = a.event("flag.toggle", "flag", f.ID, f.Name, "production")
	ev.Before, ev.After = json.RawMessage(`"ignored"`), nil
	_, err := s.ToggleFlag(c, f.ID, "production", 2, now)
	a.one("toggle on", ev, err)
	if string(ev.Before) != `{"environments":{"production":false}}` || string(ev.After) != `{"environments":{"production":true}}` {
		t.Fatalf("toggle on: before %s, after %s", ev.Before, ev.After)
	}
	c, ev = a.event("flag.toggle", "flag", f.ID, f.Name, "production")
	_, err = s.ToggleFlag(c, f.ID, "production", ff.AnyVersion, now)
	a.one("toggle off", ev, err)
	if string(ev.Before) != `{"environments":{"production":true}}` || string(ev.After) != `{"environments":{"production":false}}` {
		t.Fatalf("toggle off: before %s, after %s", ev.Before, ev.After)
	}
	c, ev = a.event("flag.toggle", "flag", f.ID, f.Name, "qa.eu-1")
	_, err = s.ToggleFlag(c, f.ID, "qa.eu-1", ff.AnyVersion, now) // not mentioned yet: off
	a.one("toggle of an unmentioned environment", ev, err)
	if string(ev.Before) != `{"environments":{"qa.eu-1":false}}` || string(ev.After) != `{"environments":{"qa.eu-1":true}}` {
		t.Fatalf("toggle of qa.eu-1: before %s, after %s", ev.Before, ev.After)
	}
	c, _ = a.event("flag.toggle", "flag", f.ID, f.Name, "production")
	_, err = s.ToggleFlag(c, f.ID, "production", 2, now)
	a.none("stale toggle", err, ff.EPRECONDITION)
	c, _ = a.event("flag.toggle", "flag", "missing", "missing", "production")
	_, err = s.ToggleFlag(c, "missing", "production", ff.AnyVersion, now)
	a.none("toggle of a missing flag", err, ff.ENOTFOUND)

	sg := &ff.Segment{ID: ff.NewID(), Name: "beta", Match: "all", Version: 1, CreatedAt: now, UpdatedAt: now}
	c, ev = a.event("segment.create", "segment", sg.ID, sg.Name, "")
	a.one("create segment", ev, s.CreateSegment(c, sg))
	c, _ = a.event("segment.create", "segment", "x", "beta", "")
	a.none("duplicate segment", s.CreateSegment(c, &ff.Segment{ID: ff.NewID(), Name: "beta", Match: "all", Version: 1, CreatedAt: now, UpdatedAt: now}), ff.ECONFLICT)
	sg2 := *sg
	sg2.Match, sg2.Version = "any", 2
	c, ev = a.event("segment.update", "segment", sg.ID, sg.Name, "")
	ev.Before, ev.After = json.RawMessage(`{"match":"all"}`), json.RawMessage(`{"match":"any"}`)
	a.one("update segment", ev, s.UpdateSegment(c, &sg2, 1))
	c, _ = a.event("segment.update", "segment", sg.ID, sg.Name, "")
	a.none("stale segment update", s.UpdateSegment(c, &sg2, 1), ff.EPRECONDITION)
	c, _ = a.event("segment.delete", "segment", sg.ID, sg.Name, "")
	a.none("stale segment delete", s.DeleteSegment(c, sg.ID, 1), ff.EPRECONDITION)
	c, ev = a.event("segment.delete", "segment", sg.ID, sg.Name, "")
	a.one("delete segment", ev, s.DeleteSegment(c, sg.ID, 2))
	c, _ = a.event("segment.delete", "segment", sg.ID, sg.Name, "")
	a.none("delete of a missing segment", s.DeleteSegment(c, sg.ID, ff.AnyVersion), ff.ENOTFOUND)

	tok := &ff.Token{ID: ff.NewID(), Name: "deploy", Role: ff.RoleServerKey, Environment: "production", Hash: strings.Repeat("e5", 32), CreatedAt: now}
	c, ev = a.event("token.create", "token", tok.ID, tok.Name, "production")
	a.one("create token", ev, s.CreateToken(c, tok))
	c, _ = a.event("token.create", "token", "x", "copy", "")
	a.none("duplicate token", s.CreateToken(c, &ff.Token{ID: ff.NewID(), Name: "copy", Role: ff.RoleAdmin, Hash: tok.Hash, CreatedAt: now}), ff.ECONFLICT)
	c, ev = a.event("token.revoke", "token", tok.ID, tok.Name, "production")
	a.one("revoke token", ev, s.RevokeToken(c, tok.ID, now))
	c, _ = a.event("token.revoke", "token", "missing", "missing", "")
	a.none("revoke of a missing token", s.RevokeToken(c, "missing", now), ff.ENOTFOUND)
	// Touching is bookkeeping: no event, even with one in the context.
	c, _ = a.event("token.touch", "token", tok.ID, tok.Name, "")
	a.none("touch", s.TouchTokens(c, map[string]time.Time{tok.ID: now}), "")

	c, _ = a.event("flag.delete", "flag", f.ID, f.Name, "")
	a.none("stale delete", s.DeleteFlag(c, f.ID, 1), ff.EPRECONDITION)
	c, ev = a.event("flag.delete", "flag", f.ID, f.Name, "")
	ev.Before = json.RawMessage(`{"name":"checkout"}`)
	a.one("delete flag", ev, s.DeleteFlag(c, f.ID, ff.AnyVersion))
	c, _ = a.event("flag.delete", "flag", f.ID, f.Name, "")
	a.none("delete of a missing flag", s.DeleteFlag(c, f.ID, ff.AnyVersion), ff.ENOTFOUND)

	c, ev = a.event("environment.delete", "environment", "qa.eu-1", "qa.eu-1", "qa.eu-1")
	a.one("delete environment", ev, s.DeleteEnvironment(c, "qa.eu-1"))
	c, _ = a.event("environment.delete", "environment", "production", "production", "production")
	a.none("delete of the last environment", s.DeleteEnvironment(c, "production"), ff.EINVALID)
	c, _ = a.event("environment.delete", "environment", "nope", "nope", "nope")
	a.none("delete of a missing environment", s.DeleteEnvironment(c, "nope"), ff.ENOTFOUND)

	c, ev = a.event("import", "dataset", "", "", "")
	a.one("import", ev, s.Import(c, sampleDataset()))
	bad := newFlag("bad")
	bad.Variants = map[string]any{"x": math.NaN()}
	c, _ = a.event("import", "dataset", "", "", "")
	a.none("failed import", s.Import(c, &ff.Dataset{Flags: []*ff.Flag{bad}}), anyError)

	// A caller's id is kept.
	c, ev = a.event("segment.create", "segment", "", "gamma", "")
	ev.ID = "my-own-id"
	a.one("create segment with an event id", ev, s.CreateSegment(c, &ff.Segment{ID: ff.NewID(), Name: "gamma", Match: "all", Version: 1, CreatedAt: now, UpdatedAt: now}))

	// Writes without an event write none.
	g := newFlag("plain")
	a.none("create flag without event", s.CreateFlag(ctx(t), g), "")
	_, err = s.ToggleFlag(ctx(t), g.ID, "production", ff.AnyVersion, now)
	a.none("toggle without event", err, "")
	a.none("create environment without event", s.CreateEnvironment(ctx(t), &ff.Environment{Name: "staging", CreatedAt: now}), "")
	a.none("delete environment without event", s.DeleteEnvironment(ctx(t), "staging"), "")
	a.none("create token without event", s.CreateToken(ctx(t), &ff.Token{ID: ff.NewID(), Name: "n", Role: ff.RoleViewer, Hash: "f6", CreatedAt: now}), "")
	a.none("import without event", s.Import(ctx(t), sampleDataset()), "")
	a.none("delete flag without event", s.DeleteFlag(ctx(t), g.ID, ff.AnyVersion), "")

	// Events are in time order: the n-th made is the n-th oldest.
	events := a.all()
	for i := 1; i < len(events); i++ {
		if !events[i].Time.Before(events[i-1].Time) {
			t.Fatalf("events not newest first: %v after %v", events[i].Time, events[i-1].Time)
		}
	}
}

// testAuditList checks ListAudit's filters, order and paging over events
// made by toggles, many of them at one time.
func testAuditList(t *testing.T, s ff.Store) {
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

	newestFirst := func(events []*ff.AuditEvent) []*ff.AuditEvent {
		events = slices.Clone(events)
		slices.SortFunc(events, func(a, b *ff.AuditEvent) int {
			return cmp.Or(b.Time.Compare(a.Time), strings.Compare(b.ID, a.ID))
		})
		return events
	}
	where := func(keep func(*ff.AuditEvent) bool) []*ff.AuditEvent {
		var out []*ff.AuditEvent
		for _, ev := range made {
			if keep(ev) {
				out = append(out, ev)
			}
		}
		return newestFirst(out)
	}
	// list reads every page of f's selection, checking each page's size.
	list := func(f ff.AuditFilter, pageSize int) []*ff.AuditEvent {
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
	check := func(what string, f ff.AuditFilter, pageSize int, want []*ff.AuditEvent) {
		t.Helper()
		got := list(f, pageSize)
		if len(got) != len(want) {
			t.Fatalf("%s: %d events, want %d", what, len(got), len(want))
		}
		for i := range got {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("%s: event %d is\n%s\nwant\n%s", what, i, dump(got[i]), dump(want[i]))
			}
		}
	}

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

// testConcurrentToggleAudit checks that each of many concurrent toggles
// records the states of its own toggle: taken from the toggled row, they
// alternate, so as many events turn the flag on as off, and every event's
// Before is the opposite of its After.
func testConcurrentToggleAudit(t *testing.T, s ff.Store) {
	f := newFlag("hot")
	must(t, s.CreateFlag(ctx(t), f))
	const n = 40
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			ev := &ff.AuditEvent{Time: now, Actor: ff.Actor{Type: "local"}, Action: "flag.toggle", TargetType: "flag", TargetID: f.ID, TargetName: f.Name, Environment: "production"}
			_, err := s.ToggleFlag(ff.WithAudit(ctx(t), ev), f.ID, "production", ff.AnyVersion, now)
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	events, _, err := s.ListAudit(ctx(t), ff.AuditFilter{TargetID: f.ID, Limit: 1000})
	must(t, err)
	on, off := `{"environments":{"production":true}}`, `{"environments":{"production":false}}`
	turnedOn := 0
	for _, ev := range events {
		switch {
		case string(ev.Before) == off && string(ev.After) == on:
			turnedOn++
		case string(ev.Before) == on && string(ev.After) == off:
		default:
			t.Fatalf("toggle event with before %s, after %s", ev.Before, ev.After)
		}
	}
	if len(events) != n || turnedOn != n/2 {
		t.Fatalf("%d events, %d turning the flag on; want %d and %d", len(events), turnedOn, n, n/2)
	}
}
