package apitest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/featureflags/featureflags/internal/testenv"
)

// Run runs the whole API suite against servers on stores made by open:
// the management API and operations without access control, the same again
// with it on (every request an admin's), and the access-control, audit and
// limits suites.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, c *client)
	}{
		{"OriginalEndToEnd", testOriginalEndToEnd},
		{"CreateDefaults", testCreateDefaults},
		{"ListWithoutEnvironment", testListWithoutEnvironment},
		{"GetByIDOrName", testGetByIDOrName},
		{"PartialUpdate", testPartialUpdate},
		{"VersionsAndETags", testVersionsAndETags},
		{"IfMatch", testIfMatch},
		{"BadInput", testBadInput},
		{"Environments", testEnvironments},
		{"ConcurrentToggles", testConcurrentToggles},
		{"ConcurrentFieldUpdates", testConcurrentFieldUpdates},
		{"Operations", testOperations},
		{"SegmentUsers", testSegmentUsers},
		{"Schedules", testSchedules},
		{"ScheduleBadInput", testScheduleBadInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newServer(t, open))
		})
	}
	t.Run("WithAuth", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.fn(t, newServer(t, open, testenv.WithAuth()))
			})
		}
	})
	runAccess(t, open)
	runAudit(t, open)
	runLimits(t, open)
	runApply(t, open)
	runWebhooks(t, open)
	runApprovals(t, open)
}

// testOriginalEndToEnd is the original Flask app's end-to-end check.
func testOriginalEndToEnd(t *testing.T, c *client) {
	r := c.Expect(http.StatusCreated, "POST", "/flags", map[string]any{
		"name": "new-checkout", "description": "New checkout flow",
		"environments": map[string]bool{"development": true, "staging": false, "production": false},
	})
	var created apiFlag
	r.JSON(t, &created)
	if created.ID == "" || created.Name != "new-checkout" || created.Description != "New checkout flow" {
		t.Fatalf("created %+v", created)
	}
	if loc := r.Header.Get("Location"); loc != "/flags/"+created.ID {
		t.Fatalf("Location %q", loc)
	}

	var listed []apiFlag
	c.Expect(http.StatusOK, "GET", "/flags?environment=development", nil).JSON(t, &listed)
	if len(listed) != 1 || listed[0].Enabled == nil || !*listed[0].Enabled {
		t.Fatalf("list for development: %+v", listed)
	}
	c.Expect(http.StatusOK, "GET", "/flags?environment=production", nil).JSON(t, &listed)
	if *listed[0].Enabled {
		t.Fatalf("list for production says enabled")
	}

	var toggled map[string]any
	c.Expect(http.StatusOK, "POST", "/flags/"+created.ID+"/toggle", map[string]string{"environment": "production"}).JSON(t, &toggled)
	if toggled["_id"] != created.ID || toggled["name"] != "new-checkout" || toggled["enabled"] != true || len(toggled) != 3 {
		t.Fatalf("toggle answered %v", toggled)
	}

	got := c.get(created.ID)
	if !got.Environments["production"] || !got.Environments["development"] || got.Environments["staging"] {
		t.Fatalf("after toggle: %+v", got.Environments)
	}

	var updated apiFlag
	c.Expect(http.StatusOK, "PUT", "/flags/"+created.ID, map[string]any{"description": "Checkout v2"}).JSON(t, &updated)
	if updated.Description != "Checkout v2" || updated.Name != "new-checkout" || !updated.Environments["production"] {
		t.Fatalf("after update: %+v", updated)
	}

	r = c.Expect(http.StatusNoContent, "DELETE", "/flags/"+created.ID, nil)
	if len(r.Body) != 0 {
		t.Fatalf("delete answered a body: %q", r.Body)
	}
	c.expectError(http.StatusNotFound, "", "GET", "/flags/"+created.ID, nil)
}

func testCreateDefaults(t *testing.T, c *client) {
	f := c.create(map[string]any{"name": "minimal"})
	want := map[string]bool{"development": false, "staging": false, "production": false}
	if fmt.Sprint(f.Environments) != fmt.Sprint(want) {
		t.Fatalf("environments not given must be false: %v", f.Environments)
	}
	if f.Version != 1 {
		t.Fatalf("version %d, want 1", f.Version)
	}
	for _, ts := range []string{f.CreatedAt, f.UpdatedAt} {
		if _, err := time.Parse(time.RFC3339, ts); err != nil {
			t.Fatalf("time %q is not RFC 3339: %v", ts, err)
		}
	}
	p := c.create(map[string]any{"name": "partial", "environments": map[string]bool{"staging": true}})
	if !p.Environments["staging"] || p.Environments["production"] || len(p.Environments) != 3 {
		t.Fatalf("partial environments: %v", p.Environments)
	}
}

func testListWithoutEnvironment(t *testing.T, c *client) {
	r := c.Expect(http.StatusOK, "GET", "/flags", nil)
	if strings.TrimSpace(string(r.Body)) != "[]" {
		t.Fatalf("empty list is %q, want []", r.Body)
	}
	c.create(map[string]any{"name": "b"})
	c.create(map[string]any{"name": "a"})
	var raw []map[string]any
	c.Expect(http.StatusOK, "GET", "/flags", nil).JSON(t, &raw)
	if len(raw) != 2 || raw[0]["name"] != "a" || raw[1]["name"] != "b" {
		t.Fatalf("list: %v", raw)
	}
	if _, ok := raw[0]["enabled"]; ok {
		t.Fatal("list without environment carries enabled")
	}
}

func testGetByIDOrName(t *testing.T, c *client) {
	f := c.create(map[string]any{"name": "by-name"})
	if got := c.get("by-name"); got.ID != f.ID {
		t.Fatalf("get by name: %+v", got)
	}
	c.Expect(http.StatusOK, "POST", "/flags/by-name/toggle", map[string]string{"environment": "staging"})
	c.Expect(http.StatusOK, "PUT", "/flags/by-name", map[string]any{"description": "d"})
	if got := c.get(f.ID); !got.Environments["staging"] || got.Description != "d" {
		t.Fatalf("writes by name: %+v", got)
	}
	c.Expect(http.StatusNoContent, "DELETE", "/flags/by-name", nil)
}

func testPartialUpdate(t *testing.T, c *client) {
	f := c.create(map[string]any{"name": "p", "description": "keep", "environments": map[string]bool{"development": true, "staging": true}})
	var u apiFlag
	c.Expect(http.StatusOK, "PUT", "/flags/"+f.ID, map[string]any{"environments": map[string]bool{"staging": false}}).JSON(t, &u)
	if !u.Environments["development"] || u.Environments["staging"] || u.Description != "keep" {
		t.Fatalf("partial environments update: %+v", u)
	}
	c.Expect(http.StatusOK, "PUT", "/flags/"+f.ID, map[string]any{"name": "renamed"}).JSON(t, &u)
	if u.Name != "renamed" || u.Description != "keep" || !u.Environments["development"] {
		t.Fatalf("rename: %+v", u)
	}
	c.Expect(http.StatusOK, "PUT", "/flags/"+f.ID, map[string]any{"description": ""}).JSON(t, &u)
	if u.Description != "" {
		t.Fatalf("description not cleared: %q", u.Description)
	}
}

func testVersionsAndETags(t *testing.T, c *client) {
	r := c.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "v"})
	if r.Header.Get("ETag") != `"1"` {
		t.Fatalf("create ETag %q", r.Header.Get("ETag"))
	}
	var f apiFlag
	r.JSON(t, &f)
	r = c.Expect(http.StatusOK, "POST", "/flags/v/toggle", map[string]string{"environment": "production"})
	if r.Header.Get("ETag") != `"2"` {
		t.Fatalf("toggle ETag %q", r.Header.Get("ETag"))
	}
	r = c.Expect(http.StatusOK, "PUT", "/flags/v", map[string]any{"description": "x"})
	if r.Header.Get("ETag") != `"3"` {
		t.Fatalf("update ETag %q", r.Header.Get("ETag"))
	}
	got := c.get("v")
	// Times compare as times: RFC 3339 drops trailing zeros of fractions,
	// so "…25.6Z" is later than "…25.604Z" as text.
	created, _ := time.Parse(time.RFC3339Nano, f.UpdatedAt)
	updated, _ := time.Parse(time.RFC3339Nano, got.UpdatedAt)
	if got.Version != 3 || got.CreatedAt != f.CreatedAt || updated.Before(created) {
		t.Fatalf("after two changes: %+v (created %+v)", got, f)
	}
	c.Expect(http.StatusNotModified, "GET", "/flags/v", nil, "If-None-Match", `"3"`)
}

func testIfMatch(t *testing.T, c *client) {
	f := c.create(map[string]any{"name": "im"})
	c.expectError(http.StatusPreconditionFailed, "", "PUT", "/flags/im", map[string]any{"description": "x"}, "If-Match", `"7"`)
	c.expectError(http.StatusPreconditionFailed, "", "POST", "/flags/im/toggle", map[string]string{"environment": "staging"}, "If-Match", `"7"`)
	c.expectError(http.StatusPreconditionFailed, "", "DELETE", "/flags/im", nil, "If-Match", `"7"`)
	c.expectError(http.StatusPreconditionFailed, "", "DELETE", "/flags/im", nil, "If-Match", `garbage`)
	c.Expect(http.StatusOK, "PUT", "/flags/im", map[string]any{"description": "x"}, "If-Match", `"1"`)
	c.Expect(http.StatusOK, "POST", "/flags/im/toggle", map[string]string{"environment": "staging"}, "If-Match", `"2"`)
	c.expectError(http.StatusPreconditionFailed, "", "PUT", "/flags/im", map[string]any{"description": "y"}, "If-Match", `"2"`)
	c.Expect(http.StatusNoContent, "DELETE", "/flags/"+f.ID, nil, "If-Match", `"3"`)
}

func testBadInput(t *testing.T, c *client) {
	c.create(map[string]any{"name": "taken"})
	long := strings.Repeat("a", 129)
	cases := []struct {
		name, method, path string
		body               any
		status             int
		field              string
		headers            []string
	}{
		{"malformed JSON", "POST", "/flags", `{"name": "x"`, 400, "", nil},
		{"not an object", "POST", "/flags", `["x"]`, 400, "", nil},
		{"trailing data", "POST", "/flags", `{"name":"x"} {}`, 400, "", nil},
		{"empty body", "POST", "/flags", ``, 400, "", nil},
		{"unknown field", "POST", "/flags", `{"name":"x","colour":"red"}`, 400, "colour", nil},
		{"missing name", "POST", "/flags", `{"description":"x"}`, 400, "name", nil},
		{"null name", "POST", "/flags", `{"name":null}`, 400, "name", nil},
		{"empty name", "POST", "/flags", `{"name":""}`, 400, "name", nil},
		{"long name", "POST", "/flags", `{"name":"` + long + `"}`, 400, "name", nil},
		{"name with space", "POST", "/flags", `{"name":"a b"}`, 400, "name", nil},
		{"name starting with dash", "POST", "/flags", `{"name":"-a"}`, 400, "name", nil},
		{"name with unicode", "POST", "/flags", `{"name":"flagé"}`, 400, "name", nil},
		{"duplicate name", "POST", "/flags", `{"name":"taken"}`, 409, "name", nil},
		{"unknown environment", "POST", "/flags", `{"name":"x","environments":{"moon":true}}`, 400, "environments.moon", nil},
		{"name of wrong type", "POST", "/flags", `{"name":1}`, 400, "name", nil},
		{"environments of wrong type", "POST", "/flags", `{"name":"x","environments":[]}`, 400, "environments", nil},
		{"environment state of wrong type", "POST", "/flags", `{"name":"x","environments":{"production":"yes"}}`, 400, "environments", nil},
		{"description of wrong type", "POST", "/flags", `{"name":"x","description":false}`, 400, "description", nil},
		{"bad type", "POST", "/flags", `{"name":"x","type":"colour"}`, 400, "type", nil},
		{"not JSON", "POST", "/flags", `{"name":"x"}`, 415, "", []string{"Content-Type", "text/plain"}},
		{"form", "POST", "/flags", `name=x`, 415, "", []string{"Content-Type", "application/x-www-form-urlencoded"}},
		{"too large", "POST", "/flags", `{"name":"x","description":"` + strings.Repeat("d", 1<<20) + `"}`, 413, "", nil},
		{"get unknown", "GET", "/flags/nope", nil, 404, "", nil},
		{"put unknown", "PUT", "/flags/nope", `{"description":"x"}`, 404, "", nil},
		{"delete unknown", "DELETE", "/flags/nope", nil, 404, "", nil},
		{"toggle unknown", "POST", "/flags/nope/toggle", `{"environment":"production"}`, 404, "", nil},
		{"toggle unknown environment", "POST", "/flags/taken/toggle", `{"environment":"moon"}`, 400, "environment", nil},
		{"toggle without environment", "POST", "/flags/taken/toggle", `{}`, 400, "environment", nil},
		{"toggle environment of wrong type", "POST", "/flags/taken/toggle", `{"environment":true}`, 400, "environment", nil},
		{"rename to taken", "POST", "/flags", `{"name":"taken2"}`, 201, "", nil},
		{"update to duplicate name", "PUT", "/flags/taken2", `{"name":"taken"}`, 409, "name", nil},
		{"update invalid name", "PUT", "/flags/taken2", `{"name":"bad name"}`, 400, "name", nil},
		{"update unknown environment", "PUT", "/flags/taken2", `{"environments":{"moon":true}}`, 400, "environments.moon", nil},
		{"update unknown field", "PUT", "/flags/taken2", `{"enabled":true}`, 400, "enabled", nil},
		{"list unknown environment", "GET", "/flags?environment=moon", nil, 400, "environment", nil},
		{"wrong method", "PATCH", "/flags/taken", `{}`, 405, "", nil},
		{"wrong method on collection", "DELETE", "/flags", nil, 405, "", nil},
		{"unknown path", "GET", "/nope", nil, 404, "", nil},
		{"create environment bad name", "POST", "/environments", `{"name":"bad name"}`, 400, "name", nil},
		{"create environment without name", "POST", "/environments", `{}`, 400, "name", nil},
		{"create environment duplicate", "POST", "/environments", `{"name":"production"}`, 409, "name", nil},
		{"delete unknown environment", "DELETE", "/environments/moon", nil, 404, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := c.on(t)
			if tc.status < 300 {
				c.Expect(tc.status, tc.method, tc.path, tc.body, tc.headers...)
				return
			}
			c.expectError(tc.status, tc.field, tc.method, tc.path, tc.body, tc.headers...)
		})
	}
	r := c.Do("PATCH", "/flags/taken", `{}`)
	if allow := r.Header.Get("Allow"); !strings.Contains(allow, "PUT") || !strings.Contains(allow, "DELETE") {
		t.Fatalf("405 Allow header %q", allow)
	}
}

func testEnvironments(t *testing.T, c *client) {
	var envs []struct{ Name string }
	c.Expect(http.StatusOK, "GET", "/environments", nil).JSON(t, &envs)
	if fmt.Sprint(envs) != "[{development} {staging} {production}]" {
		t.Fatalf("first start environments: %v", envs)
	}
	f := c.create(map[string]any{"name": "f", "environments": map[string]bool{"production": true}})
	r := c.Expect(http.StatusCreated, "POST", "/environments", map[string]string{"name": "qa.eu-1"})
	if r.Header.Get("Location") != "/environments/qa.eu-1" {
		t.Fatalf("Location %q", r.Header.Get("Location"))
	}
	got := c.get(f.ID)
	if on, ok := got.Environments["qa.eu-1"]; !ok || on {
		t.Fatalf("new environment must appear as off on every flag: %v", got.Environments)
	}
	c.Expect(http.StatusOK, "POST", "/flags/f/toggle", map[string]string{"environment": "qa.eu-1"})
	var listed []apiFlag
	c.Expect(http.StatusOK, "GET", "/flags?environment=qa.eu-1", nil).JSON(t, &listed)
	if !*listed[0].Enabled {
		t.Fatal("toggle in the new environment not listed")
	}
	c.Expect(http.StatusNoContent, "DELETE", "/environments/qa.eu-1", nil)
	got = c.get(f.ID)
	if _, ok := got.Environments["qa.eu-1"]; ok || !got.Environments["production"] {
		t.Fatalf("deleted environment still on the flag: %v", got.Environments)
	}
	c.expectError(http.StatusBadRequest, "environment", "POST", "/flags/f/toggle", map[string]string{"environment": "qa.eu-1"})
	c.Expect(http.StatusNoContent, "DELETE", "/environments/development", nil)
	c.Expect(http.StatusNoContent, "DELETE", "/environments/staging", nil)
	c.expectError(http.StatusBadRequest, "", "DELETE", "/environments/production", nil)
}

func testConcurrentToggles(t *testing.T, c *client) {
	f := c.create(map[string]any{"name": "hot"})
	const n = 200
	var wg sync.WaitGroup
	statuses := make(chan int, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- c.Do("POST", "/flags/"+f.ID+"/toggle", map[string]string{"environment": "production"}).Status
		}()
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != http.StatusOK {
			t.Fatalf("a concurrent toggle answered %d", s)
		}
	}
	got := c.get(f.ID)
	if got.Environments["production"] || got.Version != 1+n {
		t.Fatalf("after %d toggles: production=%v version=%d", n, got.Environments["production"], got.Version)
	}
	// An odd number flips it.
	c.Expect(http.StatusOK, "POST", "/flags/"+f.ID+"/toggle", map[string]string{"environment": "production"})
	if !c.get(f.ID).Environments["production"] {
		t.Fatal("201st toggle did not turn it on")
	}
}

func testConcurrentFieldUpdates(t *testing.T, c *client) {
	f := c.create(map[string]any{"name": "multi"})
	const rounds = 20
	var wg sync.WaitGroup
	fail := make(chan string, 4*rounds)
	run := func(body func(i int) map[string]any) {
		defer wg.Done()
		for i := 0; i < rounds; i++ {
			if r := c.Do("PUT", "/flags/"+f.ID, body(i)); r.Status != http.StatusOK {
				fail <- fmt.Sprintf("%d %s", r.Status, r.Body)
			}
		}
	}
	wg.Add(4)
	go run(func(i int) map[string]any { return map[string]any{"description": fmt.Sprintf("d%d", i)} })
	go run(func(i int) map[string]any {
		return map[string]any{"environments": map[string]bool{"staging": i%2 == 0}}
	})
	go run(func(i int) map[string]any {
		return map[string]any{"environments": map[string]bool{"development": i%2 == 0}}
	})
	go func() {
		defer wg.Done()
		for i := 0; i < rounds; i++ {
			if r := c.Do("POST", "/flags/"+f.ID+"/toggle", map[string]string{"environment": "production"}); r.Status != http.StatusOK {
				fail <- fmt.Sprintf("toggle %d %s", r.Status, r.Body)
			}
		}
	}()
	wg.Wait()
	close(fail)
	for msg := range fail {
		t.Fatal(msg)
	}
	got := c.get(f.ID)
	// Each writer's last write must have survived the others'.
	if got.Description != fmt.Sprintf("d%d", rounds-1) || got.Environments["staging"] || got.Environments["development"] || got.Environments["production"] {
		t.Fatalf("a concurrent update was lost: %+v", got)
	}
	if got.Version != 1+4*rounds {
		t.Fatalf("version %d, want %d: every write counts once", got.Version, 1+4*rounds)
	}
}

func testOperations(t *testing.T, c *client) {
	c.Expect(http.StatusOK, "GET", "/healthz", nil)
	c.Expect(http.StatusOK, "GET", "/readyz", nil)
	r := c.Expect(http.StatusOK, "GET", "/flags", nil, "X-Request-Id", "trace-123")
	if r.Header.Get("X-Request-Id") != "trace-123" {
		t.Fatalf("request id not honoured: %q", r.Header.Get("X-Request-Id"))
	}
	r = c.Expect(http.StatusOK, "GET", "/flags", nil)
	if len(r.Header.Get("X-Request-Id")) < 16 {
		t.Fatalf("request id not generated: %q", r.Header.Get("X-Request-Id"))
	}
	c.create(map[string]any{"name": "m"})
	c.Expect(http.StatusOK, "GET", "/flags/m", nil)
	c.Expect(http.StatusNotFound, "GET", "/flags/other", nil)
	m := string(c.Expect(http.StatusOK, "GET", "/metrics", nil).Body)
	for _, want := range []string{
		`featureflags_http_requests_total{method="GET",route="/flags/{id}",status="200"} 1`,
		`featureflags_http_requests_total{method="GET",route="/flags/{id}",status="404"} 1`,
		`featureflags_http_request_duration_seconds_bucket{route="/flags/{id}",le="0.001"`,
		"featureflags_flags 1",
		`featureflags_build_info{commit="test",version="test"} 1`,
		"featureflags_ready 1",
	} {
		if !strings.Contains(m, want) {
			t.Fatalf("metrics lack %q", want)
		}
	}
	if strings.Contains(m, "/flags/m") || strings.Contains(m, "/flags/other") {
		t.Fatal("metrics carry a raw path")
	}
	// With the store gone, readiness says so.
	c.env.Store.Close()
	var ready map[string]string
	c.Expect(http.StatusServiceUnavailable, "GET", "/readyz", nil).JSON(t, &ready)
	if ready["error"] == "" {
		t.Fatalf("readyz without a reason: %v", ready)
	}
}
