package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/testenv"
)

// ofrepServer is a server on a fresh SQLite store, with helpers for OFREP.
type ofrepServer struct {
	*testenv.Server
	t *testing.T
}

func newOFREPServer(t *testing.T, opts ...testenv.Option) *ofrepServer {
	t.Helper()
	return &ofrepServer{Server: testenv.Start(t, opts...), t: t}
}

// object decodes the body as one JSON object.
func object(t *testing.T, r *testenv.Response) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// createFlag creates a flag through the management API.
func (s *ofrepServer) createFlag(body map[string]any) {
	s.t.Helper()
	s.Expect(http.StatusCreated, "POST", "/flags", body)
}

func (s *ofrepServer) toggle(name, env string) {
	s.t.Helper()
	s.Expect(http.StatusOK, "POST", "/flags/"+name+"/toggle", map[string]string{"environment": env})
}

// evaluate evaluates one flag and checks the status.
func (s *ofrepServer) evaluate(status int, key string, ctx any, headers ...string) map[string]any {
	s.t.Helper()
	r := s.Expect(status, "POST", "/ofrep/v1/evaluate/flags/"+key, map[string]any{"context": ctx}, headers...)
	checkJSONAnswer(s.t, r)
	return object(s.t, r)
}

func (s *ofrepServer) bulk(status int, ctx any, headers ...string) *testenv.Response {
	s.t.Helper()
	return s.Expect(status, "POST", "/ofrep/v1/evaluate/flags", map[string]any{"context": ctx}, headers...)
}

func checkJSONAnswer(t *testing.T, r *testenv.Response) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	if r.Header.Get("Access-Control-Allow-Origin") != "*" || r.Header.Get("Access-Control-Expose-Headers") != "ETag" {
		t.Fatalf("answer without CORS headers: %v", r.Header)
	}
}

// checkShape fails unless m has exactly the keys want.
func checkShape(t *testing.T, m map[string]any, want ...string) {
	t.Helper()
	got := slices.Sorted(maps.Keys(m))
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("answer %v has keys %v, want %v", m, got, want)
	}
}

// checkSuccess checks a success: its shape, value, reason and variant, and
// that it carries the flag's metadata.
func checkSuccess(t *testing.T, m map[string]any, key string, value any, reason, variant string) {
	t.Helper()
	checkShape(t, m, "key", "value", "reason", "variant", "metadata")
	if meta, _ := m["metadata"].(map[string]any); meta["version"] == nil {
		t.Fatalf("got %v, want metadata with the version", m)
	}
	if m["key"] != key || !jsonEqual(m["value"], value) || m["reason"] != reason || m["variant"] != variant {
		t.Fatalf("got %v, want key %s value %v reason %s variant %s", m, key, value, reason, variant)
	}
}

// checkFailure checks a single-flag failure {"key","errorCode","errorDetails"}
// and the extra keys expected (the metadata of a flag that exists but
// failed to evaluate).
func checkFailure(t *testing.T, m map[string]any, key, code string, extra ...string) {
	t.Helper()
	checkShape(t, m, append([]string{"key", "errorCode", "errorDetails"}, extra...)...)
	if m["key"] != key || m["errorCode"] != code || m["errorDetails"] == "" {
		t.Fatalf("got %v, want key %s errorCode %s and details", m, key, code)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// seedOFREP creates flags of every kind through the API.
func seedOFREP(s *ofrepServer) {
	s.createFlag(map[string]any{"name": "static-on", "environments": map[string]bool{"production": true}})
	s.createFlag(map[string]any{"name": "dev-only", "environments": map[string]bool{"development": true}})
	s.createFlag(map[string]any{
		"name": "greeting", "type": "string",
		"variants":     map[string]any{"plain": "Hello", "fancy": "Kia ora \"friend\"\n\t<&> é \u2028 ✓"},
		"environments": map[string]bool{"production": true, "staging": false},
		"targeting": map[string]any{
			"production": map[string]any{
				"rules":        []any{map[string]any{"conditions": []any{map[string]any{"attribute": "country", "operator": "eq", "value": "NZ"}}, "serve": map[string]any{"variant": "fancy"}}},
				"defaultServe": map[string]any{"variant": "plain"},
			},
			"staging": map[string]any{"offVariant": "fancy"},
		},
	})
	s.createFlag(map[string]any{
		"name": "limit", "type": "number",
		"variants":     map[string]any{"low": 10, "high": 2.5, "tiny": 1e-7, "huge": 1e21},
		"environments": map[string]bool{"production": true},
		"targeting": map[string]any{"production": map[string]any{
			"defaultServe": map[string]any{"rollout": map[string]any{"variants": []any{
				map[string]any{"variant": "low", "weight": 50}, map[string]any{"variant": "high", "weight": 50},
			}}},
		}},
	})
	s.createFlag(map[string]any{
		"name": "layout", "type": "object",
		"variants":     map[string]any{"grid": map[string]any{"columns": 3, "dense": true, "tags": []any{"a", nil, 1.5}, "nested": map[string]any{"z": "x", "a": "y"}}},
		"environments": map[string]bool{"production": true},
	})
}

func TestOFREPSingle(t *testing.T) {
	s := newOFREPServer(t)
	seedOFREP(s)

	checkSuccess(t, s.evaluate(200, "static-on", map[string]any{}), "static-on", true, "STATIC", "on")
	checkSuccess(t, s.evaluate(200, "static-on", nil), "static-on", true, "STATIC", "on")
	// Without the header the default environment (production) serves; with it, the one named.
	checkSuccess(t, s.evaluate(200, "dev-only", map[string]any{}), "dev-only", false, "DISABLED", "off")
	checkSuccess(t, s.evaluate(200, "dev-only", map[string]any{}, "X-Environment", "development"), "dev-only", true, "STATIC", "on")
	checkSuccess(t, s.evaluate(200, "static-on", map[string]any{}, "X-Environment", "staging"), "static-on", false, "DISABLED", "off")
	// Off in staging: the off variant, DISABLED.
	fancy := "Kia ora \"friend\"\n\t<&> é \u2028 ✓"
	checkSuccess(t, s.evaluate(200, "greeting", nil, "X-Environment", "staging"), "greeting", fancy, "DISABLED", "fancy")
	checkSuccess(t, s.evaluate(200, "greeting", map[string]any{"country": "NZ"}), "greeting", fancy, "TARGETING_MATCH", "fancy")
	checkSuccess(t, s.evaluate(200, "greeting", map[string]any{"country": "US"}), "greeting", "Hello", "DEFAULT", "plain")
	checkSuccess(t, s.evaluate(200, "layout", nil), "layout",
		map[string]any{"columns": 3, "dense": true, "tags": []any{"a", nil, 1.5}, "nested": map[string]any{"z": "x", "a": "y"}}, "STATIC", "grid")

	// A rollout: SPLIT, the same variant for the same key, both variants seen.
	seen := map[string]bool{}
	for _, user := range []string{"u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "u10", "u11", "u12"} {
		first := s.evaluate(200, "limit", map[string]any{"targetingKey": user})
		again := s.evaluate(200, "limit", map[string]any{"targetingKey": user, "other": 1})
		if first["reason"] != "SPLIT" || first["variant"] != again["variant"] || first["value"] != again["value"] {
			t.Fatalf("rollout for %s: %v then %v", user, first, again)
		}
		want := map[any]any{"low": 10.0, "high": 2.5}[first["variant"]]
		if first["value"] != want {
			t.Fatalf("variant %v has value %v", first["variant"], first["value"])
		}
		seen[first["variant"].(string)] = true
	}
	if len(seen) != 2 {
		t.Fatalf("twelve users all in %v", seen)
	}
	checkFailure(t, s.evaluate(400, "limit", map[string]any{"country": "NZ"}), "limit", "TARGETING_KEY_MISSING", "metadata")
	checkFailure(t, s.evaluate(400, "limit", map[string]any{"targetingKey": ""}), "limit", "TARGETING_KEY_MISSING", "metadata")

	// Not found, unknown environment, invalid context.
	checkFailure(t, s.evaluate(404, "nope", map[string]any{}), "nope", "FLAG_NOT_FOUND")
	m := s.evaluate(400, "static-on", map[string]any{}, "X-Environment", "moon")
	checkFailure(t, m, "static-on", "GENERAL")
	if d := m["errorDetails"].(string); !strings.Contains(d, `"moon"`) || !strings.Contains(d, "production") {
		t.Fatalf("unknown environment details %q", d)
	}
	checkFailure(t, s.evaluate(400, "static-on", map[string]any{"targetingKey": 42}), "static-on", "INVALID_CONTEXT")
	checkFailure(t, s.evaluate(400, "static-on", map[string]any{"targetingKey": map[string]any{}}), "static-on", "INVALID_CONTEXT")
	checkSuccess(t, s.evaluate(200, "static-on", map[string]any{"targetingKey": nil}), "static-on", true, "STATIC", "on")
}

func TestOFREPBadRequests(t *testing.T) {
	s := newOFREPServer(t, testenv.WithConfig(func(c *server.Config) { c.MaxBodyBytes = 4096 }))
	seedOFREP(s)
	for _, path := range []string{"/ofrep/v1/evaluate/flags/static-on", "/ofrep/v1/evaluate/flags"} {
		single := strings.Count(path, "/") == 5
		for _, tc := range []struct {
			name, body string
			status     int
			code       string
			headers    []string
		}{
			{"malformed JSON", `{"context":`, 400, "PARSE_ERROR", nil},
			{"garbage", `context`, 400, "PARSE_ERROR", nil},
			{"context not an object", `{"context":5}`, 400, "PARSE_ERROR", nil},
			{"context a list", `{"context":["a"]}`, 400, "PARSE_ERROR", nil},
			{"body a list", `[{"context":{}}]`, 400, "PARSE_ERROR", nil},
			{"body null", `null`, 400, "PARSE_ERROR", nil},
			{"empty body", ``, 400, "PARSE_ERROR", nil},
			{"trailing data", `{"context":{}} {}`, 400, "PARSE_ERROR", nil},
			{"targetingKey a number", `{"context":{"targetingKey":1}}`, 400, "INVALID_CONTEXT", nil},
			{"not JSON", `{"context":{}}`, 415, "GENERAL", []string{"Content-Type", "text/plain"}},
			{"too large", `{"context":{"x":"` + strings.Repeat("x", 5000) + `"}}`, 413, "GENERAL", nil},
			{"unknown environment", `{"context":{}}`, 400, "GENERAL", []string{"X-Environment", "moon"}},
		} {
			t.Run(path+"/"+tc.name, func(t *testing.T) {
				r := s.Do("POST", path, tc.body, tc.headers...)
				if r.Status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
				}
				checkJSONAnswer(t, r)
				m := object(t, r)
				if single {
					checkFailure(t, m, "static-on", tc.code)
				} else {
					checkShape(t, m, "errorCode", "errorDetails")
					if m["errorCode"] != tc.code {
						t.Fatalf("errorCode %v, want %s", m["errorCode"], tc.code)
					}
				}
			})
		}
	}
	// A body of unknown length is cut off at the limit too.
	req, err := http.NewRequestWithContext(t.Context(), "POST", s.URL()+"/ofrep/v1/evaluate/flags",
		io.MultiReader(strings.NewReader(`{"context":{"x":"`), strings.NewReader(strings.Repeat("x", 5000)), strings.NewReader(`"}}`)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || req.ContentLength != 0 {
		t.Fatalf("chunked body over the limit: %d (length %d)", res.StatusCode, req.ContentLength)
	}
	// Extra fields are ignored (later protocol versions may add some), JSON
	// media types with parameters or +json are accepted.
	s.Expect(200, "POST", "/ofrep/v1/evaluate/flags/static-on", `{"context":{},"future":1}`)
	s.Expect(200, "POST", "/ofrep/v1/evaluate/flags/static-on", `{}`, "Content-Type", "application/json; charset=utf-8")
	s.Expect(200, "POST", "/ofrep/v1/evaluate/flags", ` {"context":{}} `, "Content-Type", "application/vnd.ofrep+json")
	r := s.Expect(405, "GET", "/ofrep/v1/evaluate/flags/static-on", nil)
	if allow := r.Header.Get("Allow"); allow != "POST, OPTIONS" {
		t.Fatalf("Allow %q", allow)
	}
}

func TestOFREPDefaultEnvironment(t *testing.T) {
	s := newOFREPServer(t, testenv.WithConfig(func(c *server.Config) { c.DefaultEnvironment = "development" }))
	seedOFREP(s)
	checkSuccess(t, s.evaluate(200, "dev-only", nil), "dev-only", true, "STATIC", "on")
	checkSuccess(t, s.evaluate(200, "dev-only", nil, "X-Environment", "production"), "dev-only", false, "DISABLED", "off")

	s = newOFREPServer(t, testenv.WithConfig(func(c *server.Config) { c.DefaultEnvironment = "gone" }))
	seedOFREP(s)
	m := s.evaluate(400, "dev-only", nil)
	checkFailure(t, m, "dev-only", "GENERAL")
	if d := m["errorDetails"].(string); !strings.Contains(d, "X-Environment") || !strings.Contains(d, `"gone"`) {
		t.Fatalf("details %q do not explain the default environment", d)
	}
}

// bulkItems decodes a bulk answer into its items by key.
func bulkItems(t *testing.T, r *testenv.Response) (map[string]map[string]any, []string) {
	t.Helper()
	checkJSONAnswer(t, r)
	var body struct {
		Flags        []map[string]any `json:"flags"`
		EventStreams []map[string]any `json:"eventStreams"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil || body.Flags == nil {
		t.Fatalf("bulk body %s: %v", r.Body, err)
	}
	// Where the provider hears of changes (OFREP ADR 0008).
	if len(body.EventStreams) != 1 || body.EventStreams[0]["type"] != "sse" ||
		fmt.Sprint(body.EventStreams[0]["endpoint"]) != "map[requestUri:/ofrep/v1/events]" {
		t.Fatalf("bulk body %s: eventStreams", r.Body)
	}
	items := map[string]map[string]any{}
	var keys []string
	for _, it := range body.Flags {
		key := it["key"].(string)
		items[key] = it
		keys = append(keys, key)
	}
	return items, keys
}

func TestOFREPBulk(t *testing.T) {
	s := newOFREPServer(t)
	r := s.bulk(200, map[string]any{})
	if strings.TrimSpace(string(r.Body)) != `{"flags":[],"eventStreams":[{"type":"sse","endpoint":{"requestUri":"/ofrep/v1/events"}}]}` {
		t.Fatalf("no flags: %s", r.Body)
	}
	seedOFREP(s)

	// A flag serving a variant it does not have cannot be created through
	// the service: store it directly, then make the service reload (a
	// write that is not the only one since its view). (A flag on a missing
	// segment no store accepts at all.)
	now := time.Now().UTC().Truncate(time.Millisecond)
	broken := &ff.Flag{
		ID: ff.NewID(), Name: "broken", Type: ff.TypeBoolean, Version: 1, CreatedAt: now, UpdatedAt: now,
		Environments: map[string]bool{"development": true, "staging": true, "production": true},
		Targeting: map[string]*ff.Targeting{"production": {Rules: []ff.Rule{{
			Conditions: []ff.Condition{{Attribute: "country", Operator: "eq", Value: "NZ"}},
			Serve:      ff.Serve{Variant: "missing-variant"},
		}}}},
	}
	if err := s.Store.CreateFlag(t.Context(), broken); err != nil {
		t.Fatal(err)
	}
	s.createFlag(map[string]any{"name": "zz-last", "environments": map[string]bool{"production": true}})

	r = s.bulk(200, map[string]any{"targetingKey": "user-1", "country": "NZ"})
	items, keys := bulkItems(t, r)
	if want := []string{"broken", "dev-only", "greeting", "layout", "limit", "static-on", "zz-last"}; !slices.Equal(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	checkShape(t, items["broken"], "key", "errorCode", "errorDetails", "metadata")
	if items["broken"]["errorCode"] != "PARSE_ERROR" {
		t.Fatalf("broken flag: %v", items["broken"])
	}
	checkSuccess(t, items["static-on"], "static-on", true, "STATIC", "on")
	checkSuccess(t, items["dev-only"], "dev-only", false, "DISABLED", "off")
	checkSuccess(t, items["greeting"], "greeting", "Kia ora \"friend\"\n\t<&> é \u2028 ✓", "TARGETING_MATCH", "fancy")
	checkSuccess(t, items["zz-last"], "zz-last", true, "STATIC", "on")
	if items["limit"]["reason"] != "SPLIT" {
		t.Fatalf("limit: %v", items["limit"])
	}
	// In a single evaluation the broken flag is a 400 PARSE_ERROR; in
	// staging, where it has no targeting, it works.
	checkFailure(t, s.evaluate(400, "broken", nil), "broken", "PARSE_ERROR", "metadata")
	checkSuccess(t, s.evaluate(200, "broken", nil, "X-Environment", "staging"), "broken", true, "STATIC", "on")

	// Without a targeting key the rollout fails alone.
	items, _ = bulkItems(t, s.bulk(200, map[string]any{"country": "US"}))
	checkShape(t, items["limit"], "key", "errorCode", "errorDetails", "metadata")
	if items["limit"]["errorCode"] != "TARGETING_KEY_MISSING" {
		t.Fatalf("limit without a key: %v", items["limit"])
	}
	checkSuccess(t, items["greeting"], "greeting", "Hello", "DEFAULT", "plain")

	// The environment from the header.
	items, _ = bulkItems(t, s.bulk(200, nil, "X-Environment", "development"))
	checkSuccess(t, items["dev-only"], "dev-only", true, "STATIC", "on")
	checkSuccess(t, items["static-on"], "static-on", false, "DISABLED", "off")
}

func TestOFREPETag(t *testing.T) {
	s := newOFREPServer(t)
	seedOFREP(s)
	ctx := map[string]any{"targetingKey": "user-1", "country": "NZ", "nested": map[string]any{"b": 1, "a": []any{true}}}
	r := s.bulk(200, ctx)
	tag := r.Header.Get("ETag")
	if len(tag) != 18 || tag[0] != '"' || tag[17] != '"' {
		t.Fatalf("ETag %q", tag)
	}
	// The same context, however written, keeps the tag.
	if again := s.bulk(200, ctx).Header.Get("ETag"); again != tag {
		t.Fatalf("same context: ETag %q then %q", tag, again)
	}
	reordered := `{ "context" : {"nested":{"a":[true],"b":1.0}, "country":"NZ", "targetingKey":"user-1"} }`
	if again := s.Expect(200, "POST", "/ofrep/v1/evaluate/flags", reordered).Header.Get("ETag"); again != tag {
		t.Fatalf("reordered context: ETag %q then %q", tag, again)
	}
	// 304 without a body, for the tag itself, weak, in a list, and *.
	for _, inm := range []string{tag, "W/" + tag, `"other", ` + tag, "*"} {
		r := s.bulk(304, ctx, "If-None-Match", inm)
		if len(r.Body) != 0 || r.Header.Get("ETag") != tag || r.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("304 for %q: body %q, headers %v", inm, r.Body, r.Header)
		}
	}
	// A stale tag gets the answer.
	s.bulk(200, ctx, "If-None-Match", `"0000000000000000"`)

	// Another context, another environment: other tags.
	other := s.bulk(200, map[string]any{"targetingKey": "user-2", "country": "NZ"}).Header.Get("ETag")
	dev := s.bulk(200, ctx, "X-Environment", "development").Header.Get("ETag")
	if other == tag || dev == tag || dev == other {
		t.Fatalf("tags %q %q %q must differ", tag, other, dev)
	}

	// Any change moves the tag, and the answer comes at once.
	s.toggle("static-on", "production")
	r = s.bulk(200, ctx, "If-None-Match", tag)
	next := r.Header.Get("ETag")
	if next == tag {
		t.Fatal("toggle kept the ETag")
	}
	items, _ := bulkItems(t, r)
	checkSuccess(t, items["static-on"], "static-on", false, "DISABLED", "off")
	s.bulk(304, ctx, "If-None-Match", next)
	// Also a change to a flag the caller's answer does not show differently.
	s.toggle("dev-only", "staging")
	if s.bulk(200, ctx, "If-None-Match", next).Header.Get("ETag") == next {
		t.Fatal("a change kept the ETag")
	}
}

func TestOFREPCORS(t *testing.T) {
	s := newOFREPServer(t)
	seedOFREP(s)
	for _, path := range []string{"/ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags/static-on", "/ofrep/v1/events"} {
		r := s.Expect(http.StatusNoContent, "OPTIONS", path, nil,
			"Origin", "https://app.example.com",
			"Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "content-type, x-environment, if-none-match")
		want := map[string]string{
			"Access-Control-Allow-Origin":   "*",
			"Access-Control-Allow-Methods":  "GET, POST, OPTIONS",
			"Access-Control-Allow-Headers":  "Content-Type, Authorization, If-None-Match, X-Environment, X-API-Key, Last-Event-ID",
			"Access-Control-Expose-Headers": "ETag",
			"Access-Control-Max-Age":        "7200",
		}
		for k, v := range want {
			if got := r.Header.Get(k); got != v {
				t.Fatalf("OPTIONS %s: %s %q, want %q", path, k, got, v)
			}
		}
		if len(r.Body) != 0 {
			t.Fatalf("preflight body %q", r.Body)
		}
	}
	r := s.Expect(200, "POST", "/ofrep/v1/evaluate/flags", `{"context":{}}`, "Origin", "https://app.example.com")
	checkJSONAnswer(t, r)
	r = s.Expect(404, "POST", "/ofrep/v1/evaluate/flags/nope", `{"context":{}}`, "Origin", "https://app.example.com")
	checkJSONAnswer(t, r)
}

func TestOFREPReadYourWrites(t *testing.T) {
	s := newOFREPServer(t)
	s.createFlag(map[string]any{"name": "ryw"})
	for i := range 21 {
		s.toggle("ryw", "production")
		on := i%2 == 0
		m := s.evaluate(200, "ryw", nil)
		if m["value"] != on {
			t.Fatalf("after toggle %d: %v", i+1, m)
		}
	}
	// Targeting replaced through the API serves at once too.
	s.Expect(http.StatusOK, "PUT", "/flags/ryw/targeting/production", map[string]any{
		"rules": []any{map[string]any{"conditions": []any{map[string]any{"attribute": "plan", "operator": "eq", "value": "pro"}}, "serve": map[string]any{"variant": "off"}}},
	})
	checkSuccess(t, s.evaluate(200, "ryw", map[string]any{"plan": "pro"}), "ryw", false, "TARGETING_MATCH", "off")
	checkSuccess(t, s.evaluate(200, "ryw", map[string]any{"plan": "free"}), "ryw", true, "DEFAULT", "on")
	s.Expect(http.StatusNoContent, "DELETE", "/flags/ryw", nil)
	checkFailure(t, s.evaluate(404, "ryw", nil), "ryw", "FLAG_NOT_FOUND")
}

// TestOFREPValueEncoding checks the hand-written encoder against
// encoding/json (without its HTML escaping) on awkward strings and numbers.
func TestOFREPValueEncoding(t *testing.T) {
	s := newOFREPServer(t)
	awkward := map[string]any{
		"controls": "\x00\x01\x1f\x7f", "quotes": `"\/`, "separators": "\u2028\u2029", "unicode": "é✓😀", "html": "<&>",
		"numbers": []any{0, -0.0, 0.1, -2.25, 1e-7, 1e-6, 1e20, 1e21, 1.5e300, 5e-324, 1e15, 999999999999999, 123456789012345678},
		"nested":  map[string]any{"z": []any{}, "a": map[string]any{}, "m": nil, "é": true, "\n": false},
	}
	s.createFlag(map[string]any{"name": "awkward", "type": "object", "variants": map[string]any{"v": awkward}, "environments": map[string]bool{"production": true}})
	s.createFlag(map[string]any{"name": "small", "type": "number", "variants": map[string]any{"v": 1e-7}, "environments": map[string]bool{"production": true}})
	s.createFlag(map[string]any{"name": "big", "type": "number", "variants": map[string]any{"v": -123456789.125}, "environments": map[string]bool{"production": true}})
	for _, key := range []string{"awkward", "small", "big"} {
		r := s.Expect(200, "POST", "/ofrep/v1/evaluate/flags/"+key, `{"context":{}}`)
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(r.Body, &raw); err != nil {
			t.Fatalf("%s: %s is not JSON: %v", key, r.Body, err)
		}
		var v any
		if err := json.Unmarshal(raw["value"], &v); err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if got := string(raw["value"]); got != strings.TrimSuffix(want.String(), "\n") {
			t.Fatalf("%s: value encoded as\n%s\nencoding/json writes\n%s", key, got, want.String())
		}
	}
}
