package apitest

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
)

// runApprovals runs the suite of environment settings and change requests
// (and of their export with the schedules and webhooks).
func runApprovals(t *testing.T, open Opener) {
	t.Run("EnvironmentSettings", func(t *testing.T) { testEnvironmentSettings(t, newServer(t, open)) })
	t.Run("Approvals", func(t *testing.T) { testApprovals(t, newServer(t, open, testenv.WithAuth())) })
	t.Run("ApprovalConflict", func(t *testing.T) { testApprovalConflict(t, newServer(t, open, testenv.WithAuth())) })
	t.Run("ApprovalWithoutAccessControl", func(t *testing.T) { testApprovalWithoutAuth(t, newServer(t, open)) })
	t.Run("PromoteHeld", func(t *testing.T) { testPromoteHeld(t, newServer(t, open, testenv.WithAuth())) })
	t.Run("ScheduleHeld", func(t *testing.T) { testScheduleHeld(t, newServer(t, open, testenv.WithAuth())) })
	t.Run("ScheduleRequestConflict", func(t *testing.T) { testScheduleRequestConflict(t, newServer(t, open, testenv.WithAuth())) })
	t.Run("ExportExtras", func(t *testing.T) { testExportExtras(t, open) })
}

type apiEnv struct {
	Name                 string `json:"name"`
	Protected            bool   `json:"protected"`
	RequireApproval      int    `json:"requireApproval"`
	ApprovalAdminsBypass bool   `json:"approvalAdminsBypass"`
}

type apiRequest struct {
	ID        string `json:"_id"`
	Status    string `json:"status"`
	Action    string `json:"action"`
	Required  int    `json:"required"`
	Author    ff.Actor
	Approvals []struct {
		Actor ff.Actor `json:"actor"`
	} `json:"approvals"`
	Diff []struct {
		Path   string `json:"path"`
		Before any    `json:"before"`
		After  any    `json:"after"`
	} `json:"diff"`
	Conflict string `json:"conflict"`
	Before   struct {
		Version int64 `json:"version"`
	} `json:"before"`
}

func (c *client) request(want int, method, path string, body any) apiRequest {
	c.t.Helper()
	var r apiRequest
	c.Expect(want, method, path, body).JSON(c.t, &r)
	return r
}

func testEnvironmentSettings(t *testing.T, c *client) {
	var envs []apiEnv
	c.Expect(http.StatusOK, "GET", "/environments", nil).JSON(t, &envs)
	for _, e := range envs {
		if e.Protected != (e.Name == "production") || e.RequireApproval != 0 || e.ApprovalAdminsBypass {
			t.Fatalf("default settings: %+v", envs)
		}
	}
	var e apiEnv
	c.Expect(http.StatusOK, "PATCH", "/environments/staging", map[string]any{"requireApproval": 2, "protected": true}).JSON(t, &e)
	if e != (apiEnv{Name: "staging", Protected: true, RequireApproval: 2}) {
		t.Fatalf("after PATCH: %+v", e)
	}
	c.Expect(http.StatusOK, "PATCH", "/environments/staging", map[string]any{"approvalAdminsBypass": true}).JSON(t, &e)
	if !e.ApprovalAdminsBypass || e.RequireApproval != 2 {
		t.Fatalf("a partial PATCH changed other settings: %+v", e)
	}
	c.expectError(http.StatusBadRequest, "requireApproval", "PATCH", "/environments/staging", map[string]any{"requireApproval": ff.MaxRequireApproval + 1})
	c.expectError(http.StatusBadRequest, "requireApproval", "PATCH", "/environments/staging", map[string]any{"requireApproval": -1})
	c.expectError(http.StatusBadRequest, "protected", "PATCH", "/environments/staging", map[string]any{"protected": "yes"})
	c.expectError(http.StatusBadRequest, "", "PATCH", "/environments/staging", map[string]any{"locked": true})
	c.expectError(http.StatusNotFound, "", "PATCH", "/environments/nope", map[string]any{"protected": true})
	var page struct {
		Events []ff.AuditEvent `json:"events"`
	}
	c.Expect(http.StatusOK, "GET", "/audit?environment=staging", nil).JSON(t, &page)
	if len(page.Events) != 2 || page.Events[0].Action != "environment.update" || !strings.Contains(string(page.Events[0].After), `"approvalAdminsBypass":true`) {
		t.Fatalf("audit of settings: %+v", page.Events)
	}

	// Export carries the settings; import sets them, on an existing
	// environment too, and refuses a bad one.
	var d ff.Dataset
	c.Expect(http.StatusOK, "GET", "/export", nil).JSON(t, &d)
	if e := d.Environments[1]; e.Name != "staging" || e.RequireApproval != 2 || !e.Protected || !e.ApprovalAdminsBypass {
		t.Fatalf("exported %+v", e)
	}
	d.Environments[1].RequireApproval, d.Environments[1].Protected = 1, false
	c.Expect(http.StatusOK, "POST", "/import", d)
	c.Expect(http.StatusOK, "GET", "/environments", nil).JSON(t, &envs)
	if envs[1].RequireApproval != 1 || envs[1].Protected {
		t.Fatalf("imported %+v", envs[1])
	}
	d.Environments[1].RequireApproval = 11
	c.expectError(http.StatusBadRequest, "environments[1].requireApproval", "POST", "/import", d)
}

// people returns clients of three editors besides the admin c.
func people(c *client) (alice, bob, carol *client) {
	return c.as(c.NewToken(ff.RoleEditor, "", "alice")), c.as(c.NewToken(ff.RoleEditor, "", "bob")), c.as(c.NewToken(ff.RoleEditor, "", "carol"))
}

func testApprovals(t *testing.T, c *client) {
	alice, bob, carol := people(c)
	f := c.create(map[string]any{"name": "checkout"})
	c.Expect(http.StatusOK, "PATCH", "/environments/production", map[string]any{"requireApproval": 2})

	// Elsewhere writes are made at once.
	alice.Expect(http.StatusOK, "POST", "/flags/checkout/toggle", map[string]any{"environment": "staging"})
	// A toggle in production is held: 202 with the request, the flag as it was.
	before := c.state()
	r := alice.request(http.StatusAccepted, "POST", "/flags/checkout/toggle", map[string]any{"environment": "production"})
	if r.Status != "open" || r.Required != 2 || r.Action != "flag.toggle" || len(r.Diff) != 1 ||
		r.Diff[0].Path != "environments.production" || r.Diff[0].Before != false || r.Diff[0].After != true {
		t.Fatalf("held toggle: %+v", r)
	}
	if c.state() != before {
		t.Fatal("a held toggle changed the flag")
	}
	path := "/change-requests/" + r.ID
	alice.expectError(http.StatusForbidden, "", "POST", path+"/approve", map[string]any{})
	bob.request(http.StatusOK, "POST", path+"/approve", map[string]any{"comment": "fine"})
	bob.request(http.StatusOK, "POST", path+"/approve", map[string]any{}) // twice counts once
	bob.expectError(http.StatusConflict, "", "POST", path+"/apply", map[string]any{})
	// An edit starts again without approvals.
	edited := alice.request(http.StatusOK, "PATCH", path, map[string]any{"comment": "for the launch"})
	if len(edited.Approvals) != 0 {
		t.Fatalf("approvals survived an edit: %+v", edited)
	}
	bob.request(http.StatusOK, "POST", path+"/approve", map[string]any{})
	carol.request(http.StatusOK, "POST", path+"/approve", map[string]any{})
	done := alice.request(http.StatusOK, "POST", path+"/apply", map[string]any{"comment": "go"})
	if done.Status != "applied" {
		t.Fatalf("applied: %+v", done)
	}
	if got := c.get(f.ID); !got.Environments["production"] {
		t.Fatalf("applied toggle not made: %+v", got)
	}
	bob.expectError(http.StatusConflict, "", "POST", path+"/apply", map[string]any{})
	if got, want := c.auditTrail(t, "production", 6), "flag.toggle by alice,change-request.approve by carol,change-request.approve by bob,change-request.update by alice,change-request.approve by bob,change-request.create by alice"; got != want {
		t.Fatalf("audit trail %v, want %s", got, want)
	}

	// A rejected request is closed.
	r = alice.request(http.StatusAccepted, "DELETE", "/flags/checkout", nil)
	bob.request(http.StatusOK, "POST", "/change-requests/"+r.ID+"/reject", map[string]any{"comment": "not yet"})
	carol.expectError(http.StatusConflict, "", "POST", "/change-requests/"+r.ID+"/approve", map[string]any{})

	// Admins are held too, unless the environment lets them bypass.
	c.request(http.StatusAccepted, "POST", "/flags/checkout/toggle", map[string]any{"environment": "production"})
	c.Expect(http.StatusOK, "PATCH", "/environments/production", map[string]any{"approvalAdminsBypass": true})
	c.Expect(http.StatusOK, "POST", "/flags/checkout/toggle", map[string]any{"environment": "production"})

	// Proposed directly, a change needs one approval at least.
	alice.request(http.StatusCreated, "POST", "/change-requests", map[string]any{"flag": "checkout", "change": map[string]any{"name": "checkout-v2"}})
	if r := alice.request(http.StatusCreated, "POST", "/change-requests", map[string]any{"flag": "checkout", "change": map[string]any{"description": "x"}}); r.Required != 1 {
		t.Fatalf("a voluntary request needs %d approvals", r.Required)
	}
	alice.expectError(http.StatusBadRequest, "", "POST", "/change-requests", map[string]any{"flag": "checkout", "change": map[string]any{}})
	alice.expectError(http.StatusBadRequest, "comment", "POST", "/change-requests/"+r.ID+"/reject", map[string]any{"comment": strings.Repeat("x", 4097)})
	var open []apiRequest
	c.Expect(http.StatusOK, "GET", "/change-requests?status=open", nil).JSON(t, &open)
	if len(open) != 3 {
		t.Fatalf("open requests: %+v", open)
	}
	c.expectError(http.StatusBadRequest, "status", "GET", "/change-requests?status=pending", nil)
	c.expectError(http.StatusNotFound, "", "GET", "/change-requests/nope", nil)
}

// testApprovalConflict checks that a request whose flag changed meanwhile
// is not applied, says why, and applies once proposed again and approved.
func testApprovalConflict(t *testing.T, c *client) {
	alice, bob, _ := people(c)
	rollout := func(w float64) map[string]any {
		return map[string]any{"defaultServe": map[string]any{"rollout": map[string]any{"variants": []any{
			map[string]any{"variant": "on", "weight": w}, map[string]any{"variant": "off", "weight": 100 - w}}}}}
	}
	f := c.create(map[string]any{"name": "ramp", "targeting": map[string]any{"production": rollout(90)}})
	c.Expect(http.StatusOK, "PATCH", "/environments/production", map[string]any{"requireApproval": 1})
	r := alice.request(http.StatusAccepted, "PUT", "/flags/ramp/targeting/production", rollout(95))
	path := "/change-requests/" + r.ID
	bob.request(http.StatusOK, "POST", path+"/approve", map[string]any{})

	c.Expect(http.StatusOK, "PUT", "/flags/ramp", map[string]any{"description": "moved on"}) // no environment's evaluation
	got := bob.request(http.StatusOK, "GET", path, nil)
	if got.Conflict == "" {
		t.Fatalf("no conflict shown: %+v", got)
	}
	bob.expectError(http.StatusConflict, "", "POST", path+"/apply", map[string]any{})
	bob.expectError(http.StatusConflict, "", "POST", path+"/approve", map[string]any{})

	again := alice.request(http.StatusOK, "PATCH", path, map[string]any{})
	if again.Conflict != "" || len(again.Approvals) != 0 || again.Before.Version != 2 {
		t.Fatalf("proposed again: %+v", again)
	}
	bob.request(http.StatusOK, "POST", path+"/approve", map[string]any{})
	bob.request(http.StatusOK, "POST", path+"/apply", map[string]any{})
	var flag struct {
		Description string                   `json:"description"`
		Targeting   map[string]*ff.Targeting `json:"targeting"`
	}
	c.Expect(http.StatusOK, "GET", "/flags/"+f.ID, nil).JSON(t, &flag)
	if flag.Description != "moved on" || flag.Targeting["production"].DefaultServe.Rollout.Variants[0].Weight != 95 {
		t.Fatalf("after apply: %+v", flag)
	}
}

// testApprovalWithoutAuth checks that without tokens nothing is held.
func testApprovalWithoutAuth(t *testing.T, c *client) {
	c.create(map[string]any{"name": "open"})
	c.Expect(http.StatusOK, "PATCH", "/environments/production", map[string]any{"requireApproval": 1})
	c.Expect(http.StatusOK, "POST", "/flags/open/toggle", map[string]any{"environment": "production"})
}

// heldRequest makes, for the authorization matrix, a change request by an
// editor of its own (so that any identity may approve it) to a new flag in
// the environment "gated", which requires one approval while it is made;
// approved, the admin approves it. It returns the request's path.
func (m *matrix) heldRequest(approved bool) string {
	m.c.Do("POST", "/environments", map[string]any{"name": "gated"}) // 201, or 409 from an earlier call
	m.c.Expect(http.StatusOK, "PATCH", "/environments/gated", map[string]any{"requireApproval": 1})
	name := m.unique("held")
	m.c.create(map[string]any{"name": name})
	proposer := m.c.as(m.c.NewToken(ff.RoleEditor, "", m.unique("proposer")))
	r := proposer.request(http.StatusAccepted, "POST", "/flags/"+name+"/toggle", map[string]any{"environment": "gated"})
	// Off again, so that the flag-wide writes of other routes are not held.
	m.c.Expect(http.StatusOK, "PATCH", "/environments/gated", map[string]any{"requireApproval": 0})
	if approved {
		m.c.request(http.StatusOK, "POST", "/change-requests/"+r.ID+"/approve", map[string]any{})
	}
	return "/change-requests/" + r.ID
}

func heldRoute(who string, approved bool, suffix string, body any) matrixRoute {
	return matrixRoute{who, http.StatusOK, func(m *matrix) (string, any) { return m.heldRequest(approved) + suffix, body }}
}

// testPromoteHeld: a promotion into an environment that requires approval
// is held like any other write there, one change request per flag, and
// made when applied.
func testPromoteHeld(t *testing.T, c *client) {
	alice, bob, _ := people(c)
	for _, name := range []string{"checkout", "search"} {
		c.create(map[string]any{"name": name, "environments": map[string]bool{"staging": true}})
	}
	c.Expect(http.StatusOK, "PATCH", "/environments/production", map[string]any{"requireApproval": 1})
	before := c.state()
	r := alice.request(http.StatusAccepted, "POST", "/flags/checkout/promote", map[string]any{"from": "staging", "to": "production"})
	if r.Status != "open" || r.Action != "flag.promote" || len(r.Diff) != 1 || r.Diff[0].Path != "environments.production" {
		t.Fatalf("held promotion: %+v", r)
	}
	var held struct {
		Requests []apiRequest `json:"requests"`
	}
	alice.Expect(http.StatusAccepted, "POST", "/promote", map[string]any{"from": "staging", "to": "production", "flags": []string{"checkout", "search"}}).JSON(t, &held)
	if len(held.Requests) != 2 || held.Requests[1].Action != "flag.promote" {
		t.Fatalf("held bulk promotion: %+v", held)
	}
	if c.state() != before {
		t.Fatal("a held promotion changed a flag")
	}
	bob.request(http.StatusOK, "POST", "/change-requests/"+r.ID+"/approve", map[string]any{})
	bob.request(http.StatusOK, "POST", "/change-requests/"+r.ID+"/apply", map[string]any{})
	if f := c.get("checkout"); !f.Environments["production"] {
		t.Fatalf("after applying the promotion: %+v", f.Environments)
	}
	// Without the setting, a promotion is made at once.
	c.Expect(http.StatusOK, "PATCH", "/environments/production", map[string]any{"requireApproval": 0})
	alice.Expect(http.StatusOK, "POST", "/flags/search/promote", map[string]any{"from": "staging", "to": "production"})
}

// auditTrail is the environment's last limit audit events, newest first,
// as "action by actor" joined with commas.
func (c *client) auditTrail(t *testing.T, env string, limit int) string {
	t.Helper()
	var page struct {
		Events []ff.AuditEvent `json:"events"`
	}
	c.Expect(http.StatusOK, "GET", "/audit?environment="+env+"&limit="+strconv.Itoa(limit), nil).JSON(t, &page)
	trail := make([]string, 0, len(page.Events))
	for _, e := range page.Events {
		trail = append(trail, e.Action+" by "+e.Actor.Name)
	}
	return strings.Join(trail, ",")
}
