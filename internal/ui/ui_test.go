package ui_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
)

// TestServing checks how the real server serves the UI, with no browser:
// the page at /, the files under /ui/ with their types, revalidation and
// compression, the security headers, and JSON 404s for everything else.
func TestServing(t *testing.T) {
	s := newServer(t, testenv.WithAuth())
	get := func(method, path string, headers ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, s.URL()+path, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		// No transparent decompression: the test looks at what is sent.
		res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, body
	}

	// The page, without a token although access control is on.
	res, body := get("GET", "/")
	script := regexp.MustCompile(`<script type="module" src="(/ui/app\.[0-9a-f]{24}\.js)">`).FindSubmatch(body)
	style := regexp.MustCompile(`<link rel="stylesheet" href="(/ui/app\.[0-9a-f]{24}\.css)">`).FindSubmatch(body)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || script == nil || style == nil {
		t.Fatalf("GET /: %d %s, want the joined script and the style sheet named by their content\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	// They are cached for good; the modules are all in the one script.
	for _, p := range [][]byte{script[1], style[1]} {
		if res, _ := get("GET", string(p)); res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: %d, Cache-Control %q", p, res.StatusCode, res.Header.Get("Cache-Control"))
		}
	}
	if _, joined := get("GET", string(script[1])); !bytes.Contains(joined, []byte(`ffModules["flags.js"] = `)) || !bytes.Contains(joined, []byte(`ffModules["app.js"] = `)) {
		t.Errorf("the page's script does not hold the modules:\n%.300s", joined)
	}
	// The page links the API's OpenAPI document, which needs no token.
	if !bytes.Contains(body, []byte(`<a href="/openapi.json"`)) {
		t.Errorf("GET /: no link to /openapi.json")
	}
	if res, doc := get("GET", "/openapi.json"); res.StatusCode != 200 || !bytes.Contains(doc, []byte(`"openapi": "3.1.0"`)) {
		t.Errorf("GET /openapi.json without a token: %d %.100s", res.StatusCode, doc)
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("headers %v", res.Header)
	}
	if res, _ := get("HEAD", "/"); res.StatusCode != 200 {
		t.Errorf("HEAD /: %d", res.StatusCode)
	}

	// Every file the page loads, with its type; the ETag revalidates.
	for path, ctype := range map[string]string{
		"/ui/app.js": "text/javascript", "/ui/flags.js": "text/javascript", "/ui/app.css": "text/css", "/ui/icon.svg": "image/svg+xml", "/ui/": "text/html",
	} {
		res, body := get("GET", path)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), ctype) || len(body) == 0 {
			t.Errorf("GET %s: %d %q", path, res.StatusCode, res.Header.Get("Content-Type"))
			continue
		}
		etag := res.Header.Get("ETag")
		if res, body := get("GET", path, "If-None-Match", etag); res.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("GET %s with If-None-Match %s: %d", path, etag, res.StatusCode)
		}
	}
	res, zipped := get("GET", "/ui/flags.js", "Accept-Encoding", "gzip, br")
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("flags.js is not compressed: %v", res.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if _, want := get("GET", "/ui/flags.js"); !bytes.Equal(plain, want) {
		t.Fatal("the gzipped flags.js differs from the plain one")
	}

	// JSON 404s and 405s stay: for unknown files, unknown API paths, and
	// other methods.
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/ui/nope.js", 404}, {"GET", "/nope", 404}, {"GET", "/flagz", 404}, {"POST", "/", 404}, {"DELETE", "/ui/app.js", 405},
	} {
		res, body := get(c.method, c.path)
		var e struct{ Error string }
		if res.StatusCode != c.status || res.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &e) != nil || e.Error == "" {
			t.Errorf("%s %s: %d %s %s", c.method, c.path, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	}
	// The API itself still wants a token.
	if res, _ := get("GET", "/flags"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /flags without a token: %d", res.StatusCode)
	}
}

// TestMe: GET /me tells the UI who is signed in and what role they have.
func TestMe(t *testing.T) {
	type me struct {
		ID, Name, Role string
		AuthRequired   bool
	}
	open := newServer(t)
	var m me
	open.Expect(200, "GET", "/me", nil).JSON(t, &m)
	if m != (me{Name: "local", Role: "admin"}) {
		t.Fatalf("without access control: %+v", m)
	}
	s := newServer(t, testenv.WithAuth())
	editor := s.NewToken(ff.RoleEditor, "", "ann")
	r := s.As(editor).Do("GET", "/me", nil)
	json.Unmarshal(r.Body, &m)
	if r.Status != 200 || m.Name != "ann" || m.Role != "editor" || !m.AuthRequired || m.ID == "" {
		t.Fatalf("as an editor: %d %s", r.Status, r.Body)
	}
	if r := s.As("ffa_wrong").Do("GET", "/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("with a wrong token: %d", r.Status)
	}
}
