package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/klauspost/compress/zstd"
)

// createFlags creates n flags named f0..f(n-1), off everywhere.
func createFlags(t *testing.T, s *testenv.Server, n int) {
	t.Helper()
	for i := range n {
		s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": fmt.Sprintf("f%d", i), "description": "a flag for the list tests"})
	}
}

func TestListFlagsETagAnswers304UntilAChange(t *testing.T) {
	s := testenv.Start(t)
	createFlags(t, s, 3)
	first := s.Expect(http.StatusOK, "GET", "/flags", nil)
	tag := first.Header.Get("ETag")
	if tag == "" {
		t.Fatal("GET /flags has no ETag")
	}
	again := s.Expect(http.StatusNotModified, "GET", "/flags", nil, "If-None-Match", tag)
	if len(again.Body) != 0 {
		t.Fatalf("304 with a body: %q", again.Body)
	}
	s.Toggle("f1", "production")
	changed := s.Expect(http.StatusOK, "GET", "/flags", nil, "If-None-Match", tag)
	if changed.Header.Get("ETag") == tag {
		t.Fatalf("ETag %s unchanged after a change", tag)
	}
}

func TestListFlagsByNames(t *testing.T) {
	s := testenv.Start(t)
	createFlags(t, s, 4)
	var got []struct {
		Name    string `json:"name"`
		Enabled bool   `json:"enabled"`
	}
	s.Expect(http.StatusOK, "GET", "/flags?names=f2,gone,f0,f2&environment=production", nil).JSON(t, &got)
	if len(got) != 2 || got[0].Name != "f2" || got[1].Name != "f0" {
		t.Fatalf("names=f2,gone,f0,f2 answered %+v, want f2 then f0", got)
	}
	var none []any
	s.Expect(http.StatusOK, "GET", "/flags?names=gone", nil).JSON(t, &none)
	if none == nil || len(none) != 0 {
		t.Fatalf("names=gone answered %v, want []", none)
	}
}

// getEncoded fetches path with Accept-Encoding enc, returning the raw answer.
func getEncoded(t *testing.T, s *testenv.Server, path, enc string) *testenv.Response {
	t.Helper()
	return s.Expect(http.StatusOK, "GET", path, nil, "Accept-Encoding", enc)
}

func TestListFlagsIsCompressed(t *testing.T) {
	s := testenv.Start(t)
	createFlags(t, s, 50)
	plain := getEncoded(t, s, "/flags", "identity")
	if plain.Header.Get("Content-Encoding") != "" {
		t.Fatalf("identity answered with Content-Encoding %q", plain.Header.Get("Content-Encoding"))
	}
	gz := getEncoded(t, s, "/flags", "gzip")
	if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("ETag") != plain.Header.Get("ETag") {
		t.Fatalf("gzip answer: encoding %q, ETag %q (plain %q)", gz.Header.Get("Content-Encoding"), gz.Header.Get("ETag"), plain.Header.Get("ETag"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz.Body))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, plain.Body) {
		t.Fatalf("gunzipped body differs from the plain one (err %v)", err)
	}
	zs := getEncoded(t, s, "/flags", "zstd, gzip")
	if zs.Header.Get("Content-Encoding") != "zstd" {
		t.Fatalf("zstd, gzip answered with %q", zs.Header.Get("Content-Encoding"))
	}
	dec, _ := zstd.NewReader(nil)
	defer dec.Close()
	if out, err := dec.DecodeAll(zs.Body, nil); err != nil || !bytes.Equal(out, plain.Body) {
		t.Fatalf("zstd body differs from the plain one (err %v)", err)
	}
	t.Logf("50 flags: %d bytes plain, %d gzip, %d zstd", len(plain.Body), len(gz.Body), len(zs.Body))
}

func TestEventsStreamIsNotCompressedAndNamesChangedFlags(t *testing.T) {
	s := testenv.Start(t)
	createFlags(t, s, 2)
	st := testenv.Connect(t, s.URL()+"/events", "Accept-Encoding", "gzip")
	if enc := st.Resp.Header.Get("Content-Encoding"); enc != "" {
		t.Fatalf("event stream encoded as %q", enc)
	}
	s.Toggle("f1", "production")
	ev := st.Until(t, func(ev testenv.Event) bool { return ev.Event == "change" })
	var data struct {
		Revision, From int64
		Flags          []string
	}
	if err := json.Unmarshal([]byte(ev.Data), &data); err != nil {
		t.Fatal(err)
	}
	if len(data.Flags) != 1 || data.Flags[0] != "f1" || data.From != data.Revision-1 {
		t.Fatalf("change event %s, want flags [f1] from the revision before", ev.Data)
	}
}

func TestListFlagsHonoursRefusedEncodings(t *testing.T) {
	s := testenv.Start(t)
	createFlags(t, s, 20)
	for enc, want := range map[string]string{"zstd;q=0, gzip": "gzip", "gzip;q=0.0": "", "br": "", "GZIP;q=0.5": "gzip"} {
		if got := getEncoded(t, s, "/flags?environment=staging", enc).Header.Get("Content-Encoding"); got != want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", enc, got, want)
		}
	}
}
