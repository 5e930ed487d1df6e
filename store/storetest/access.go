package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
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
	if !sameEvent(events[0], ev) {
		a.t.Fatalf("%s wrote\n%s\nwant\n%s", what, dump(events[0]), dump(ev))
	}
}

// sameEvent reports whether got is want, its before and after holding the
// same JSON values (a store may keep an update's before as a diff and
// rebuild it, keys in another order).
func sameEvent(got, want *ff.AuditEvent) bool {
	g, w := *got, *want
	g.Before, g.After, w.Before, w.After = nil, nil, nil, nil
	return reflect.DeepEqual(g, w) && sameJSON(got.Before, want.Before) && sameJSON(got.After, want.After)
}

func sameJSON(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
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
	auditEnvironments(a, s)
	f := auditFlagWrites(a, s)
	auditToggles(a, s, f)
	auditSegments(a, s)
	auditTokens(a, s)
	auditDeletes(a, s, f)
	auditImport(a, s)
	auditWithoutEvent(a, s)

	// Events are in time order: the n-th made is the n-th oldest.
	events := a.all()
	for i := 1; i < len(events); i++ {
		if !events[i].Time.Before(events[i-1].Time) {
			t.Fatalf("events not newest first: %v after %v", events[i].Time, events[i-1].Time)
		}
	}
}

// auditEnvironments checks the events of creating environments.
func auditEnvironments(a *auditor, s ff.Store) {
	c, ev := a.event("environment.create", "environment", "production", "production", "production")
	a.one("create environment", ev, s.CreateEnvironment(c, &ff.Environment{Name: "production", CreatedAt: now}))
	c, ev = a.event("environment.create", "environment", "qa.eu-1", "qa.eu-1", "qa.eu-1")
	a.one("create environment", ev, s.CreateEnvironment(c, &ff.Environment{Name: "qa.eu-1", CreatedAt: now}))
	c, _ = a.event("environment.create", "environment", "production", "production", "production")
	a.none("duplicate environment", s.CreateEnvironment(c, &ff.Environment{Name: "production", CreatedAt: now}), ff.ECONFLICT)
}

// auditFlagWrites checks the events of creating and updating a flag, and
// returns the flag, at version 2.
func auditFlagWrites(a *auditor, s ff.Store) *ff.Flag {
	f := richFlag("checkout")
	c, ev := a.event("flag.create", "flag", f.ID, f.Name, "")
	ev.After = json.RawMessage(`{"name":"checkout","environments":{"development":true,"production":false}}`)
	a.one("create flag", ev, s.CreateFlag(c, f))
	c, _ = a.event("flag.create", "flag", "x", "checkout", "")
	a.none("duplicate flag", s.CreateFlag(c, newFlag("checkout")), ff.ECONFLICT)

	next := f.Clone()
	next.Description, next.Version = "changed", 2
	c, ev = a.event("flag.update", "flag", f.ID, f.Name, "")
	// Kept whole (as a diff from the after, rebuilt when read).
	ev.Before, ev.After = json.RawMessage(`{"description": "about checkout", "z":1, "a":[1, 2], "tags": ["a", "b"]}`),
		json.RawMessage(`{"description":"changed", "z":1, "a":[1, 2], "tags": ["a", "b"], "version": 2}`)
	a.one("update flag", ev, s.UpdateFlag(c, next, 1))
	c, _ = a.event("flag.update", "flag", f.ID, f.Name, "")
	a.none("stale update", s.UpdateFlag(c, next, 1), ff.EPRECONDITION)
	c, _ = a.event("flag.update", "flag", "missing", "missing", "")
	a.none("update of a missing flag", s.UpdateFlag(c, newFlag("missing"), 1), ff.ENOTFOUND)
	return f
}

// auditToggles checks the events of toggling f, at version 2.
func auditToggles(a *auditor, s ff.Store, f *ff.Flag) {
	// The store fills Before and After of a toggle from the toggled state,
	// replacing what the caller put there.
	c, ev := a.event("flag.toggle", "flag", f.ID, f.Name, "production")
	ev.Before, ev.After = json.RawMessage(`"ignored"`), nil
	_, err := s.ToggleFlag(c, f.ID, "production", 2, now)
	a.one("toggle on", ev, err)
	if string(ev.Before) != `{"environments":{"production":false}}` || string(ev.After) != `{"environments":{"production":true}}` {
		a.t.Fatalf("toggle on: before %s, after %s", ev.Before, ev.After)
	}
	c, ev = a.event("flag.toggle", "flag", f.ID, f.Name, "production")
	_, err = s.ToggleFlag(c, f.ID, "production", ff.AnyVersion, now)
	a.one("toggle off", ev, err)
	if string(ev.Before) != `{"environments":{"production":true}}` || string(ev.After) != `{"environments":{"production":false}}` {
		a.t.Fatalf("toggle off: before %s, after %s", ev.Before, ev.After)
	}
	c, ev = a.event("flag.toggle", "flag", f.ID, f.Name, "qa.eu-1")
	_, err = s.ToggleFlag(c, f.ID, "qa.eu-1", ff.AnyVersion, now) // not mentioned yet: off
	a.one("toggle of an unmentioned environment", ev, err)
	if string(ev.Before) != `{"environments":{"qa.eu-1":false}}` || string(ev.After) != `{"environments":{"qa.eu-1":true}}` {
		a.t.Fatalf("toggle of qa.eu-1: before %s, after %s", ev.Before, ev.After)
	}
	c, _ = a.event("flag.toggle", "flag", f.ID, f.Name, "production")
	_, err = s.ToggleFlag(c, f.ID, "production", 2, now)
	a.none("stale toggle", err, ff.EPRECONDITION)
	c, _ = a.event("flag.toggle", "flag", "missing", "missing", "production")
	_, err = s.ToggleFlag(c, "missing", "production", ff.AnyVersion, now)
	a.none("toggle of a missing flag", err, ff.ENOTFOUND)
}

// auditSegments checks the events of segment writes.
func auditSegments(a *auditor, s ff.Store) {
	sg := &ff.Segment{ID: ff.NewID(), Name: "beta", Match: "all", Version: 1, CreatedAt: now, UpdatedAt: now}
	c, ev := a.event("segment.create", "segment", sg.ID, sg.Name, "")
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
}

// auditTokens checks the events of token writes.
func auditTokens(a *auditor, s ff.Store) {
	tok := &ff.Token{ID: ff.NewID(), Name: "deploy", Role: ff.RoleServerKey, Environment: "production", Hash: strings.Repeat("e5", 32), CreatedAt: now}
	c, ev := a.event("token.create", "token", tok.ID, tok.Name, "production")
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
}

// auditDeletes checks the events of deleting f and environments.
func auditDeletes(a *auditor, s ff.Store, f *ff.Flag) {
	c, _ := a.event("flag.delete", "flag", f.ID, f.Name, "")
	a.none("stale delete", s.DeleteFlag(c, f.ID, 1), ff.EPRECONDITION)
	c, ev := a.event("flag.delete", "flag", f.ID, f.Name, "")
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
}

// auditImport checks the events of imports and of a caller's event id.
func auditImport(a *auditor, s ff.Store) {
	c, ev := a.event("import", "dataset", "", "", "")
	a.one("import", ev, s.Import(c, sampleDataset()))
	bad := newFlag("bad")
	bad.Variants = map[string]any{"x": math.NaN()}
	c, _ = a.event("import", "dataset", "", "", "")
	a.none("failed import", s.Import(c, &ff.Dataset{Flags: []*ff.Flag{bad}}), anyError)

	// A caller's id is kept.
	c, ev = a.event("segment.create", "segment", "", "gamma", "")
	ev.ID = "my-own-id"
	a.one("create segment with an event id", ev, s.CreateSegment(c, &ff.Segment{ID: ff.NewID(), Name: "gamma", Match: "all", Version: 1, CreatedAt: now, UpdatedAt: now}))
}

// auditWithoutEvent checks that writes without an event write none.
func auditWithoutEvent(a *auditor, s ff.Store) {
	// Writes without an event write none.
	g := newFlag("plain")
	a.none("create flag without event", s.CreateFlag(ctx(a.t), g), "")
	_, err := s.ToggleFlag(ctx(a.t), g.ID, "production", ff.AnyVersion, now)
	a.none("toggle without event", err, "")
	a.none("create environment without event", s.CreateEnvironment(ctx(a.t), &ff.Environment{Name: "staging", CreatedAt: now}), "")
	a.none("delete environment without event", s.DeleteEnvironment(ctx(a.t), "staging"), "")
	a.none("create token without event", s.CreateToken(ctx(a.t), &ff.Token{ID: ff.NewID(), Name: "n", Role: ff.RoleViewer, Hash: "f6", CreatedAt: now}), "")
	a.none("import without event", s.Import(ctx(a.t), sampleDataset()), "")
	a.none("delete flag without event", s.DeleteFlag(ctx(a.t), g.ID, ff.AnyVersion), "")
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
