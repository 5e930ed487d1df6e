package apitest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/testenv"
)

// runAudit runs the audit-trail suite.
func runAudit(t *testing.T, open Opener) {
	for _, tt := range []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"AuditEachChange", testAuditEachChange},
		{"AuditFailedWrites", testAuditFailedWrites},
		{"AuditQuery", testAuditQuery},
		{"FlagHistory", testFlagHistory},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

type auditPage struct {
	Events     []*ff.AuditEvent `json:"events"`
	NextCursor string           `json:"nextCursor"`
}

// audit returns every event, newest first.
func (c *client) audit() []*ff.AuditEvent {
	c.t.Helper()
	var p auditPage
	c.Expect(http.StatusOK, "GET", "/audit?limit=1000", nil).JSON(c.t, &p)
	if p.NextCursor != "" {
		c.t.Fatal("more than 1000 events")
	}
	return p.Events
}

// newEvent runs change and returns the one event it wrote, failing unless
// it wrote exactly one.
func (c *client) newEvent(change func() *response) (*ff.AuditEvent, *response) {
	c.t.Helper()
	seen := map[string]bool{}
	for _, ev := range c.audit() {
		seen[ev.ID] = true
	}
	r := change()
	var fresh []*ff.AuditEvent
	for _, ev := range c.audit() {
		if !seen[ev.ID] {
			fresh = append(fresh, ev)
		}
	}
	if len(fresh) != 1 {
		b, _ := json.Marshal(fresh)
		c.t.Fatalf("the change wrote %d events, want 1: %s", len(fresh), b)
	}
	return fresh[0], r
}

// sameJSON reports whether two JSON documents are equal as values.
func sameJSON(a, b []byte) bool {
	if len(bytes.TrimSpace(a)) == 0 || len(bytes.TrimSpace(b)) == 0 {
		return len(bytes.TrimSpace(a)) == len(bytes.TrimSpace(b))
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// without returns the JSON object doc less some members.
func without(t *testing.T, doc []byte, names ...string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		delete(m, n)
	}
	b, _ := json.Marshal(m)
	return b
}

// testAuditEachChange makes one change of every kind and checks its one
// event: action, target, environment, actor, request id, before and after.
func testAuditEachChange(t *testing.T, open Opener) {
	a := auditCheck{t, newServer(t, open, testenv.WithAuth())}
	auditFlagChanges(a)
	auditEnvironmentAndSegmentChanges(a)
	auditTokenAndImportChanges(a)
}

// auditCheck checks the events of one server's changes.
type auditCheck struct {
	t *testing.T
	c *client
}

// check fails unless ev is the event of action on the target, by the
// admin, with r's request id, a fresh id and time, and before and after.
func (a auditCheck) check(ev *ff.AuditEvent, r *response, action, targetType, targetID, targetName, env string, before, after []byte) {
	a.t.Helper()
	if ev.Action != action || ev.TargetType != targetType || ev.TargetID != targetID || ev.TargetName != targetName || ev.Environment != env {
		a.t.Fatalf("%s: event %+v, want target %s %s %q in %q", action, ev, targetType, targetID, targetName, env)
	}
	if ev.Actor != a.c.env.Admin {
		a.t.Fatalf("%s: actor %+v, want %+v", action, ev.Actor, a.c.env.Admin)
	}
	if ev.RequestID == "" || (r != nil && ev.RequestID != r.Header.Get("X-Request-Id")) {
		a.t.Fatalf("%s: request id %q", action, ev.RequestID)
	}
	if ev.ID == "" || time.Since(ev.Time) > time.Minute || time.Until(ev.Time) > time.Minute {
		a.t.Fatalf("%s: id %q time %v", action, ev.ID, ev.Time)
	}
	if targetType == "flag" { // the answers add what the store does not keep
		before, after = storedFlag(a.t, before), storedFlag(a.t, after)
	}
	if !sameJSON(ev.Before, before) {
		a.t.Fatalf("%s: before\n%s\nwant\n%s", action, ev.Before, before)
	}
	if !sameJSON(ev.After, after) {
		a.t.Fatalf("%s: after\n%s\nwant\n%s", action, ev.After, after)
	}
}

// do is a change: a request answered status.
func (a auditCheck) do(status int, method, path string, body any) func() *response {
	return func() *response { return a.c.Expect(status, method, path, body) }
}

// auditFlagChanges creates, updates, toggles, targets and deletes a flag.
func auditFlagChanges(a auditCheck) {
	t, c := a.t, a.c
	// Flags.
	ev, r := c.newEvent(a.do(201, "POST", "/flags", map[string]any{"name": "audited", "description": "one"}))
	var f apiFlag
	r.JSON(t, &f)
	a.check(ev, r, "flag.create", "flag", f.ID, "audited", "", nil, r.Body)

	before := storedFlag(t, c.Expect(200, "GET", "/flags/audited", nil).Body)
	ev, r = c.newEvent(a.do(200, "PUT", "/flags/audited", map[string]any{"description": "two", "tags": []string{"t"}}))
	a.check(ev, r, "flag.update", "flag", f.ID, "audited", "", before, r.Body)

	ev, r = c.newEvent(a.do(200, "POST", "/flags/audited/toggle", map[string]any{"environment": "production"}))
	a.check(ev, r, "flag.toggle", "flag", f.ID, "audited", "production",
		[]byte(`{"environments":{"production":false}}`), []byte(`{"environments":{"production":true}}`))

	targeting := map[string]any{
		"rules":        []any{map[string]any{"conditions": []any{map[string]any{"attribute": "plan", "operator": "in", "value": []any{"pro"}}}, "serve": map[string]any{"variant": "on"}}},
		"defaultServe": map[string]any{"variant": "off"},
	}
	before = storedFlag(t, c.Expect(200, "GET", "/flags/audited", nil).Body)
	ev, r = c.newEvent(a.do(200, "PUT", "/flags/audited/targeting/staging", targeting))
	a.check(ev, r, "flag.targeting", "flag", f.ID, "audited", "staging", before, r.Body)
	if !strings.Contains(string(ev.After), `"pro"`) {
		t.Fatalf("targeting not in after: %s", ev.After)
	}

	before = r.Body
	ev, r = c.newEvent(a.do(200, "DELETE", "/flags/audited/targeting/staging", nil))
	a.check(ev, r, "flag.targeting", "flag", f.ID, "audited", "staging", before, r.Body)

	before = r.Body
	ev, r = c.newEvent(a.do(204, "DELETE", "/flags/audited", nil))
	a.check(ev, r, "flag.delete", "flag", f.ID, "audited", "", before, nil)
}

// auditEnvironmentAndSegmentChanges creates and deletes an environment and a segment.
func auditEnvironmentAndSegmentChanges(a auditCheck) {
	t, c := a.t, a.c
	// Environments.
	ev, r := c.newEvent(a.do(201, "POST", "/environments", map[string]any{"name": "qa"}))
	a.check(ev, r, "environment.create", "environment", "qa", "qa", "qa", nil, r.Body)
	envDoc := r.Body
	ev, r = c.newEvent(a.do(204, "DELETE", "/environments/qa", nil))
	a.check(ev, r, "environment.delete", "environment", "qa", "qa", "qa", envDoc, nil)

	// Segments.
	ev, r = c.newEvent(a.do(201, "POST", "/segments", map[string]any{"name": "beta", "conditions": []any{map[string]any{"attribute": "plan", "operator": "eq", "value": "beta"}}}))
	var sg struct {
		ID string `json:"_id"`
	}
	r.JSON(t, &sg)
	a.check(ev, r, "segment.create", "segment", sg.ID, "beta", "", nil, r.Body)
	before := r.Body
	ev, r = c.newEvent(a.do(200, "PUT", "/segments/beta", map[string]any{"match": "any"}))
	a.check(ev, r, "segment.update", "segment", sg.ID, "beta", "", before, r.Body)
	before = r.Body
	ev, r = c.newEvent(a.do(204, "DELETE", "/segments/beta", nil))
	a.check(ev, r, "segment.delete", "segment", sg.ID, "beta", "", before, nil)
}

// auditTokenAndImportChanges creates and revokes a token (events without its secret), then imports.
func auditTokenAndImportChanges(a auditCheck) {
	t, c := a.t, a.c
	// Tokens: documents without the secret or its hash.
	ev, r := c.newEvent(a.do(201, "POST", "/tokens", map[string]any{"role": "server-key", "environment": "staging", "name": "backend"}))
	var tok token
	r.JSON(t, &tok)
	tokenDoc := without(t, r.Body, "secret")
	a.check(ev, r, "token.create", "token", tok.ID, "backend", "staging", nil, tokenDoc)
	if strings.Contains(string(ev.After), tok.Secret) || strings.Contains(string(ev.After), auth.Hash(tok.Secret)) {
		t.Fatalf("the event carries the secret: %s", ev.After)
	}
	ev, r = c.newEvent(a.do(204, "DELETE", "/tokens/"+tok.ID, nil))
	var revokedDoc map[string]any
	if err := json.Unmarshal(ev.After, &revokedDoc); err != nil || revokedDoc["revokedAt"] == nil {
		t.Fatalf("token.revoke after %s", ev.After)
	}
	a.check(ev, r, "token.revoke", "token", tok.ID, "backend", "staging", tokenDoc, ev.After)
	if !sameJSON(without(t, ev.After, "revokedAt"), tokenDoc) {
		t.Fatalf("token.revoke after %s changes more than revokedAt of %s", ev.After, tokenDoc)
	}

	// An import, as the command line makes it.
	ev, _ = c.newEvent(func() *response {
		ctx := auth.WithRequestID(auth.WithActor(t.Context(), auth.CLI), "cli-1")
		now := time.Now().UTC().Truncate(time.Millisecond)
		err := c.env.Svc.Import(ctx, &ff.Dataset{
			Environments: []*ff.Environment{{Name: "eu", CreatedAt: now}},
			Flags:        []*ff.Flag{{ID: ff.NewID(), Name: "imported", Version: 1, CreatedAt: now, UpdatedAt: now}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return nil
	})
	if ev.Action != "import" || ev.Actor != auth.CLI || ev.RequestID != "cli-1" || ev.Before != nil ||
		!sameJSON(ev.After, []byte(`{"environments":["eu"],"segments":[],"flags":["imported"]}`)) {
		t.Fatalf("import event %+v after %s", ev, ev.After)
	}
}

// testAuditFailedWrites: a write that fails writes no event.
func testAuditFailedWrites(t *testing.T, open Opener) {
	c := newServer(t, open, testenv.WithAuth())
	c.create(map[string]any{"name": "kept"})
	c.Expect(http.StatusCreated, "POST", "/segments", map[string]any{"name": "used"})
	c.Expect(http.StatusOK, "PUT", "/flags/kept/targeting/production", map[string]any{
		"rules": []any{map[string]any{"conditions": []any{map[string]any{"operator": "inSegment", "value": "used"}}, "serve": map[string]any{"variant": "on"}}}})
	n := len(c.audit())
	for _, tc := range []struct {
		status       int
		method, path string
		body         any
		headers      []string
	}{
		{400, "POST", "/flags", map[string]any{"name": "bad name"}, nil},
		{409, "POST", "/flags", map[string]any{"name": "kept"}, nil},
		{412, "PUT", "/flags/kept", map[string]any{"description": "x"}, []string{"If-Match", `"9"`}},
		{412, "POST", "/flags/kept/toggle", map[string]any{"environment": "production"}, []string{"If-Match", `"9"`}},
		{412, "DELETE", "/flags/kept", nil, []string{"If-Match", `"9"`}},
		{400, "POST", "/flags/kept/toggle", map[string]any{"environment": "moon"}, nil},
		{404, "DELETE", "/flags/nope", nil, nil},
		{400, "PUT", "/flags/kept/targeting/production", map[string]any{"defaultServe": map[string]any{"variant": "nope"}}, nil},
		{400, "PUT", "/flags/kept/targeting/moon", map[string]any{}, nil},
		{409, "DELETE", "/segments/used", nil, nil},
		{404, "PUT", "/segments/nope", map[string]any{"match": "any"}, nil},
		{409, "POST", "/environments", map[string]any{"name": "production"}, nil},
		{404, "DELETE", "/environments/moon", nil, nil},
		{400, "POST", "/tokens", map[string]any{"role": "root"}, nil},
		{404, "DELETE", "/tokens/nope", nil, nil},
		{403, "POST", "/flags", map[string]any{"name": "denied"}, []string{"Authorization", "Bearer " + c.newToken(map[string]any{"role": "viewer"}).Secret}},
		{401, "POST", "/flags", map[string]any{"name": "denied"}, []string{"Authorization", "Bearer ffa_wrong"}},
	} {
		c.Expect(tc.status, tc.method, tc.path, tc.body, tc.headers...)
	}
	if got := len(c.audit()); got != n+1 { // the viewer token's creation
		t.Fatalf("%d events after failed writes, want %d", got, n+1)
	}
	// Revoking a revoked token changes nothing and records nothing.
	tok := c.newToken(map[string]any{"role": "viewer"})
	c.Expect(http.StatusNoContent, "DELETE", "/tokens/"+tok.ID, nil)
	n = len(c.audit())
	c.Expect(http.StatusNoContent, "DELETE", "/tokens/"+tok.ID, nil)
	if got := len(c.audit()); got != n {
		t.Fatalf("revoking twice recorded %d events", got-n)
	}
}

// testAuditQuery checks the filters, paging and validation of GET /audit,
// and that events cannot be changed or deleted.
func testAuditQuery(t *testing.T, open Opener) {
	c := newServer(t, open, testenv.WithAuth())
	editorTok := c.newToken(map[string]any{"role": "editor", "name": "ed"})
	editor := c.as(editorTok.Secret)
	f1 := c.create(map[string]any{"name": "f1"})
	c.create(map[string]any{"name": "f2"})
	early := c.env.Clock.Now()
	c.env.Clock.Advance(time.Hour)
	later := c.env.Clock.Now().Add(-time.Minute)
	editor.Expect(http.StatusOK, "POST", "/flags/f1/toggle", map[string]any{"environment": "production"})
	c.Expect(http.StatusOK, "POST", "/flags/f2/toggle", map[string]any{"environment": "staging"})
	c.Expect(http.StatusOK, "PUT", "/flags/f1", map[string]any{"description": "d"})
	all := c.audit() // the two tokens, f1, f2, toggle f1, toggle f2, update f1
	if len(all) != 7 {
		t.Fatalf("%d events", len(all))
	}

	query := func(q string) []*ff.AuditEvent {
		t.Helper()
		var p auditPage
		c.Expect(http.StatusOK, "GET", "/audit?"+q, nil).JSON(t, &p)
		return p.Events
	}
	for _, tc := range []struct{ query, want string }{
		{"flag=" + f1.ID, "flag.update:f1 flag.toggle:f1 flag.create:f1"},
		{"flag=f1", "flag.update:f1 flag.toggle:f1 flag.create:f1"},
		{"flag=nope", ""},
		{"environment=production", "flag.toggle:f1"},
		{"actor=" + editorTok.ID, "flag.toggle:f1"},
		{"actor=ed", "flag.toggle:f1"},
		{"actor=" + c.env.Admin.ID + "&environment=staging", "flag.toggle:f2"},
		{"since=" + url.QueryEscape(later.Format(time.RFC3339Nano)), "flag.update:f1 flag.toggle:f2 flag.toggle:f1"},
		{"until=" + url.QueryEscape(later.Format(time.RFC3339Nano)), "flag.create:f2 flag.create:f1 token.create:ed token.create:" + c.env.Admin.Name},
		{"since=" + url.QueryEscape(early.Add(-time.Minute).Format(time.RFC3339)) + "&until=" + url.QueryEscape(later.Format(time.RFC3339Nano)) + "&flag=f2", "flag.create:f2"},
		{"limit=2", "flag.update:f1 flag.toggle:f2"},
	} {
		if got := actions(query(tc.query)); got != tc.want {
			t.Errorf("?%s: %q, want %q", tc.query, got, tc.want)
		}
	}

	// Paging: pages of 4 and 3 give every event once, in order.
	var paged []*ff.AuditEvent
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		var p auditPage
		c.Expect(http.StatusOK, "GET", "/audit?limit=4&cursor="+url.QueryEscape(cursor), nil).JSON(t, &p)
		paged = append(paged, p.Events...)
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if actions(paged) != actions(all) || len(paged) != 7 {
		t.Fatalf("paged %q, want %q", actions(paged), actions(all))
	}

	for _, tc := range []struct{ query, field string }{
		{"since=yesterday", "since"},
		{"until=2026-13-01T00:00:00Z", "until"},
		{"limit=0", "limit"},
		{"limit=1001", "limit"},
		{"limit=ten", "limit"},
		{"cursor=not-a-cursor!", "cursor"},
		{"colour=red", "colour"},
		{"flag=f1&flag=f2", "flag"},
	} {
		c.expectError(http.StatusBadRequest, tc.field, "GET", "/audit?"+tc.query, nil)
	}
	for _, method := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		c.expectError(http.StatusMethodNotAllowed, "", method, "/audit", `{}`)
	}
	if got := len(c.audit()); got != 7 {
		t.Fatalf("%d events after refused requests, want 7", got)
	}
}

func testFlagHistory(t *testing.T, open Opener) {
	c := newServer(t, open, testenv.WithAuth())
	f := c.create(map[string]any{"name": "h"})
	c.create(map[string]any{"name": "other"})
	c.Expect(http.StatusOK, "POST", "/flags/h/toggle", map[string]any{"environment": "production"})
	c.Expect(http.StatusOK, "POST", "/flags/other/toggle", map[string]any{"environment": "production"})
	history := func(path string) []*ff.AuditEvent {
		t.Helper()
		var p auditPage
		c.Expect(http.StatusOK, "GET", path, nil).JSON(t, &p)
		for _, ev := range p.Events {
			if ev.TargetID != f.ID {
				t.Fatalf("%s has an event of %s", path, ev.TargetName)
			}
		}
		return p.Events
	}
	if n := len(history("/flags/h/history")); n != 2 {
		t.Fatalf("history by name: %d events", n)
	}
	if n := len(history("/flags/" + f.ID + "/history?environment=production")); n != 1 {
		t.Fatalf("history in production: %d events", n)
	}
	var p auditPage
	c.Expect(http.StatusOK, "GET", "/flags/h/history?limit=1", nil).JSON(t, &p)
	if len(p.Events) != 1 || p.NextCursor == "" {
		t.Fatalf("first page: %+v", p)
	}
	// A deleted flag's history stays, by its id.
	c.Expect(http.StatusNoContent, "DELETE", "/flags/h", nil)
	if n := len(history("/flags/" + f.ID + "/history")); n != 3 {
		t.Fatalf("deleted flag's history: %d events", n)
	}
	c.expectError(http.StatusNotFound, "", "GET", "/flags/h/history", nil)
	c.expectError(http.StatusNotFound, "", "GET", "/flags/never/history", nil)
	c.expectError(http.StatusBadRequest, "flag", "GET", "/flags/other/history?flag=h", nil)
}

// actions lists events as action:target, to compare with a want.
func actions(events []*ff.AuditEvent) string {
	var out []string
	for _, ev := range events {
		out = append(out, ev.Action+":"+ev.TargetName)
	}
	return strings.Join(out, " ")
}

// storedFlag is a flag as GET /flags/{id} answers it without what the
// server adds beside the stored flag (lastEvaluated, problems); nil stays nil.
func storedFlag(t *testing.T, body []byte) []byte {
	t.Helper()
	if body == nil || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{\"_id\"")) {
		return body
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "lastEvaluated")
	delete(m, "problems")
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
