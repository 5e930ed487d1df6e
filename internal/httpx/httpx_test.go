package httpx_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/httpx"
)

func TestStatus(t *testing.T) {
	for code, want := range map[string]int{
		ff.EINVALID: 400, ff.EUNAUTHORIZED: 401, ff.EFORBIDDEN: 403, ff.ENOTFOUND: 404,
		ff.EMETHOD: 405, ff.ECONFLICT: 409, ff.EPRECONDITION: 412, ff.ETOOLARGE: 413,
		ff.EMEDIATYPE: 415, ff.ETOOMANY: 429, ff.EINTERNAL: 500, ff.EUNAVAILABLE: 503, "": 500, "other": 500,
	} {
		if got := httpx.Status(code); got != want {
			t.Errorf("Status(%q) = %d, want %d", code, got, want)
		}
	}
}

// TestError checks the body, the headers each code calls for, and that an
// internal error's text is logged with the request id, never answered.
func TestError(t *testing.T) {
	var logs bytes.Buffer
	ctx := httpx.WithLogger(auth.WithRequestID(t.Context(), "req-7"), slog.New(slog.NewTextHandler(&logs, nil)))
	r := httptest.NewRequest("GET", "/", nil).WithContext(ctx)
	for _, c := range []struct {
		err    error
		status int
		body   string
		header string // name: value
	}{
		{ff.FieldErrorf("name", "name is required"), 400, `{"error":"name is required","field":"name"}`, ""},
		{&ff.Error{Code: ff.ETOOMANY, Message: "slow down", Limit: "write-rate", RetryAfter: 1500 * time.Millisecond},
			429, `{"error":"slow down","limit":"write-rate"}`, "Retry-After: 2"},
		{ff.Errorf(ff.EUNAUTHORIZED, "no token"), 401, `{"error":"no token"}`, `Www-Authenticate: Bearer realm="featureflags"`},
		{errors.New("pq: secret detail"), 500, `{"error":"internal error; the server log has the details"}`, ""},
	} {
		w := httptest.NewRecorder()
		httpx.Error(w, r, c.err)
		if w.Code != c.status || strings.TrimSpace(w.Body.String()) != c.body || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%v: %d %s", c.err, w.Code, w.Body)
		}
		if name, value, ok := strings.Cut(c.header, ": "); ok && w.Header().Get(name) != value {
			t.Errorf("%v: %s %q", c.err, name, w.Header().Get(name))
		}
	}
	if l := logs.String(); !strings.Contains(l, "pq: secret detail") || !strings.Contains(l, "request_id=req-7") || strings.Count(l, "\n") != 1 {
		t.Errorf("log: %s", l)
	}
}

func TestNoneMatch(t *testing.T) {
	for header, want := range map[string]bool{
		`"7"`: true, `W/"7"`: true, `"1", "7"`: true, `"1",W/"7"`: true, `*`: true, `"a,b", "7"`: true,
		``: false, `"1"`: false, `7`: false, `"77"`: false, `x"7"`: false, `"7"x`: false, `"7`: false, `"1" "7"`: false, `*x`: false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if header != "" {
			r.Header.Set("If-None-Match", header)
		}
		if got := httpx.NoneMatch(r, httpx.ETag(7)); got != want {
			t.Errorf("If-None-Match %s: %v, want %v", header, got, want)
		}
	}
}

func TestIfMatchVersion(t *testing.T) {
	type result struct {
		v       int64
		any, ok bool
	}
	for header, want := range map[string]result{
		"":         {0, true, true},
		"*":        {0, true, true},
		`"3"`:      {3, false, true},
		`"3.1k9x"`: {3, false, true},
		`".5"`:     {0, false, false},
		` "3" `:    {3, false, true},
		`W/"3"`:    {0, false, false},
		`"3", "4"`: {0, false, false},
		`3`:        {0, false, false},
		`"0"`:      {0, false, false},
		`"x"`:      {0, false, false},
		`garbage`:  {0, false, false},
	} {
		r := httptest.NewRequest("PUT", "/", nil)
		if header != "" {
			r.Header.Set("If-Match", header)
		}
		v, anyVersion, ok := httpx.IfMatchVersion(r)
		if (result{v, anyVersion, ok}) != want {
			t.Errorf("If-Match %q: %v %v %v, want %v", header, v, anyVersion, ok, want)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	type dst struct {
		Name string `json:"name"`
	}
	for _, c := range []struct {
		ctype, body string
		code, limit string
	}{
		{"application/json", `{"name":"a"}`, "", ""},
		{"application/merge-patch+json; charset=utf-8", `{"name":"a"}`, "", ""},
		{"text/plain", `{"name":"a"}`, ff.EMEDIATYPE, ""},
		{"", strings.Repeat(" ", 65) + `{}`, ff.ETOOLARGE, httpx.LimitBodyBytes},
		{"", ` `, ff.EINVALID, ""},
		{"", `{"nam":"a"}`, ff.EINVALID, ""},
		{"", `{"name":"a"} {}`, ff.EINVALID, ""},
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		r.Header.Set("Content-Type", c.ctype)
		var d dst
		err := httpx.DecodeJSON(httptest.NewRecorder(), r, 64, &d)
		if ff.ErrorCode(err) != c.code || ff.ErrorLimit(err) != c.limit || (err == nil && d.Name != "a") {
			t.Errorf("%q %q: %v %+v", c.ctype, c.body, err, d)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	w := httptest.NewRecorder()
	httpx.WriteJSON(w, http.StatusCreated, map[string]int{"a": 1})
	var m map[string]int
	if w.Code != 201 || json.Unmarshal(w.Body.Bytes(), &m) != nil || m["a"] != 1 || !strings.HasSuffix(w.Body.String(), "}\n") {
		t.Fatalf("%d %q", w.Code, w.Body)
	}
}
