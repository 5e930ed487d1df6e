package server_test

// Fuzz tests of every JSON decoder and query parser, through the real
// handlers: whatever the input, the answer is below 500 and an error answer
// is JSON with a message. The seed corpus is under testdata/fuzz/<Name>/.
// A short run per target:
//
//	go test -run '^$' -fuzz '^FuzzDecodeFlagRequest$' -fuzztime 10s ./internal/server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/server"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/store/sqlite"
)

// fuzzTarget is a server with access control on, a flag "f" with variants
// and targeting, and a segment "s"; requests carry the admin's token.
type fuzzTarget struct {
	h      http.Handler
	bearer string
}

func newFuzzTarget(f *testing.F) *fuzzTarget {
	f.Helper()
	// Unsynced: accepted writes commit without waiting for the disk, so
	// that fuzzing explores inputs rather than waiting for fsync.
	store, err := sqlite.Open(f.Context(), filepath.Join(f.TempDir(), "flags.db"), sqlite.Unsynced())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	svc := service.New(store)
	if err := svc.Init(f.Context()); err != nil {
		f.Fatal(err)
	}
	_, secret, err := svc.CreateToken(f.Context(), service.TokenInput{Name: "fuzz", Role: ff.RoleAdmin})
	if err != nil {
		f.Fatal(err)
	}
	ft := &fuzzTarget{
		h:      server.New(server.Config{Service: svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxBodyBytes: 64 << 10}),
		bearer: "Bearer " + secret,
	}
	for _, req := range []struct{ path, body string }{
		{"/segments", `{"name":"s","conditions":[{"attribute":"plan","operator":"in","value":["pro"]}]}`},
		{"/flags", `{"name":"f","type":"string","variants":{"a":"A","b":"B"},"environments":{"production":true},
			"targeting":{"production":{"rules":[{"conditions":[{"operator":"inSegment","value":"s"}],"serve":{"variant":"b"}}],
			"defaultServe":{"rollout":{"variants":[{"variant":"a","weight":50},{"variant":"b","weight":50}]}}}}}`},
	} {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("POST", req.path, strings.NewReader(req.body))
		r.Header.Set("Authorization", ft.bearer)
		r.Header.Set("Content-Type", "application/json")
		ft.h.ServeHTTP(rec, r)
		if rec.Code != http.StatusCreated {
			f.Fatalf("seed %s: %d %s", req.path, rec.Code, rec.Body)
		}
	}
	return ft
}

// do serves one request and checks the answer; headers are name, value
// pairs sent besides the admin's token.
func (ft *fuzzTarget) do(t *testing.T, method, path, body string, ofrep bool, headers ...string) {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.Header.Set("Authorization", ft.bearer)
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	ft.h.ServeHTTP(rec, r)
	checkAnswer(t, method+" "+path, rec, ofrep)
	if loc := rec.Header().Get("Location"); method == "POST" && rec.Code == http.StatusCreated && loc != "" {
		ft.undo(t, loc)
	}
}

// undo deletes what a fuzzed request created, so that the store stays the
// size of the seed: otherwise every accepted input adds a flag, segment,
// environment or token, each write rebuilds a larger snapshot, and a long
// run slows to a crawl.
func (ft *fuzzTarget) undo(t *testing.T, location string) {
	t.Helper()
	r := httptest.NewRequest("DELETE", location, nil)
	r.Header.Set("Authorization", ft.bearer)
	rec := httptest.NewRecorder()
	ft.h.ServeHTTP(rec, r)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE %s after creating it: %d %s", location, rec.Code, rec.Body)
	}
}

// checkAnswer: no 5xx; errors are JSON objects with a message; other
// bodies are JSON.
func checkAnswer(t *testing.T, what string, rec *httptest.ResponseRecorder, ofrep bool) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s: %d %s", what, rec.Code, rec.Body)
	}
	if rec.Body.Len() == 0 {
		if rec.Code != http.StatusNoContent && (rec.Code < 300 || rec.Code >= 400) { // ServeMux redirects unclean paths
			t.Fatalf("%s: %d without a body", what, rec.Code)
		}
		return
	}
	if rec.Code >= 300 && rec.Code < 400 {
		return
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" && !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("%s: Content-Type %q", what, ct)
	}
	if !json.Valid(rec.Body.Bytes()) && rec.Header().Get("Content-Type") == "application/json" {
		t.Fatalf("%s: body is not JSON: %q", what, rec.Body)
	}
	if rec.Code >= 400 {
		var e map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
			t.Fatalf("%s: %d error body is not a JSON object: %q", what, rec.Code, rec.Body)
		}
		// OFREP answers {"errorDetails"}; a path no route matches, even
		// under /ofrep/, the API's {"error"}.
		msg, _ := e["error"].(string)
		if details, _ := e["errorDetails"].(string); ofrep && details != "" {
			msg = details
		}
		if msg == "" {
			t.Fatalf("%s: %d error without a message: %s", what, rec.Code, rec.Body)
		}
	}
}

// safeHeader reports whether v can be a header value at all.
func safeHeader(v string) bool { return !strings.ContainsAny(v, "\r\n\x00") }

func FuzzDecodeFlagRequest(f *testing.F) {
	f.Add(`{"name":"x","environments":{"production":true}}`)
	f.Add(`{"description":"d","targeting":{"staging":{"defaultServe":{"variant":"a"}}}}`)
	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, body string) {
		ft.do(t, "POST", "/flags", body, false)
		ft.do(t, "PUT", "/flags/f", body, false)
	})
}

func FuzzDecodeTargeting(f *testing.F) {
	f.Add(`{"rules":[{"conditions":[{"attribute":"a","operator":"eq","value":1}],"serve":{"variant":"b"}}],"defaultServe":{"variant":"a"}}`)
	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, body string) {
		ft.do(t, "PUT", "/flags/f/targeting/staging", body, false)
	})
}

func FuzzDecodeSegmentRequest(f *testing.F) {
	f.Add(`{"name":"t","match":"any","conditions":[{"attribute":"a","operator":"in","value":["x"]}]}`)
	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, body string) {
		ft.do(t, "POST", "/segments", body, false)
		ft.do(t, "PUT", "/segments/s", body, false)
	})
}

func FuzzDecodeToggle(f *testing.F) {
	f.Add(`{"environment":"production"}`, `"2"`)
	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, body, ifMatch string) {
		if !safeHeader(ifMatch) {
			return
		}
		ft.do(t, "POST", "/flags/f/toggle", body, false, "If-Match", ifMatch)
	})
}

func FuzzDecodeEnvironment(f *testing.F) {
	f.Add(`{"name":"qa"}`)
	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, body string) {
		ft.do(t, "POST", "/environments", body, false)
	})
}

func FuzzDecodeToken(f *testing.F) {
	f.Add(`{"role":"server-key","environment":"production","expiresIn":"1h"}`)
	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, body string) {
		ft.do(t, "POST", "/tokens", body, false)
	})
}

func FuzzOFREPRequest(f *testing.F) {
	f.Add(`{"context":{"targetingKey":"u1","plan":"pro"}}`, "f", "production")
	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, body, key, env string) {
		if !safeHeader(env) {
			return
		}
		ft.do(t, "POST", "/ofrep/v1/evaluate/flags/"+url.PathEscape(key), body, true, "X-Environment", env)
		ft.do(t, "POST", "/ofrep/v1/evaluate/flags", body, true, "X-Environment", env)
	})
}

func FuzzAuditQuery(f *testing.F) {
	f.Add("flag=f&environment=production&actor=fuzz&since=2026-01-01T00:00:00Z&until=2099-01-01T00:00:00Z&limit=10&cursor=")
	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, query string) {
		v, _ := url.ParseQuery(query) // what parses of it, re-encoded as a client would
		u := &url.URL{Path: "/audit", RawQuery: v.Encode()}
		ft.do(t, "GET", u.String(), "", false)
		u.Path = "/flags/f/history"
		ft.do(t, "GET", u.String(), "", false)
	})
}

func FuzzCredentials(f *testing.F) {
	f.Add("Bearer ffa_x", "ffc_y")
	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, authorization, apiKey string) {
		if !safeHeader(authorization) || !safeHeader(apiKey) {
			return
		}
		for _, route := range []struct {
			method, path, body string
			ofrep              bool
		}{{"GET", "/flags", "", false}, {"POST", "/ofrep/v1/evaluate/flags", `{"context":{}}`, true}} {
			r := httptest.NewRequest(route.method, route.path, strings.NewReader(route.body))
			r.Header.Set("Authorization", authorization)
			r.Header.Set("X-API-Key", apiKey)
			rec := httptest.NewRecorder()
			ft.h.ServeHTTP(rec, r)
			checkAnswer(t, route.path, rec, route.ofrep)
			if rec.Code != http.StatusOK && rec.Code != http.StatusUnauthorized {
				t.Fatalf("%s with Authorization %q, X-API-Key %q: %d", route.path, authorization, apiKey, rec.Code)
			}
		}
	})
}
