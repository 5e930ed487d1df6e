package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/ofrepjson"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/store/sqlite"
)

// TestBulkStreamsSameAnswer: a bulk answer longer than one chunk (2,500
// flags, about 170 kB) is streamed, and is byte for byte what encoding every
// result of EvaluateAll gives, also the second time, when the flags without
// targeting are copied ready-encoded; a toggle shows in the next answer.
func TestBulkStreamsSameAnswer(t *testing.T) {
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "flags.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := service.New(store).Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := store.Import(t.Context(), &ff.Dataset{Flags: benchFlags(2500)}); err != nil {
		t.Fatal(err)
	}
	s := testenv.Start(t, testenv.OnStore(store))
	body := benchContext("user-7")
	want := func() []byte {
		ctx := eval.Context{}
		if err := json.Unmarshal([]byte(body), &struct {
			Context *eval.Context `json:"context"`
		}{&ctx}); err != nil {
			t.Fatal(err)
		}
		b := []byte(`{"flags":[`)
		for i, r := range s.Svc.Snapshot().EvaluateAll("production", ctx, nil) {
			if i > 0 {
				b = append(b, ',')
			}
			b = ofrepjson.AppendItem(b, &r)
		}
		return b
	}
	for round := range 3 {
		if round == 2 {
			s.Toggle("flag-00001", "production")
		}
		r := s.Expect(200, "POST", "/ofrep/v1/evaluate/flags", body)
		if len(r.Body) < 150<<10 || !bytes.HasPrefix(r.Body, want()) || !strings.HasPrefix(string(r.Body[len(want()):]), "],") {
			t.Fatalf("round %d: bulk answer of %d bytes differs from the evaluated results", round, len(r.Body))
		}
	}
	if r := s.Expect(200, "POST", "/ofrep/v1/evaluate/flags", body); !strings.Contains(string(r.Body), `{"key":"flag-00001","value":false,"reason":"DISABLED","variant":"off",`) {
		t.Fatal("the toggled flag is not off in the bulk answer")
	}
}

// TestBulkCompressedOnlyWhenAsked: the bulk answer (3 kB here, above the
// size worth compressing) goes out as it is, with its Content-Length, to a
// client that sends no Accept-Encoding, and encoded only for one that asks.
func TestBulkCompressedOnlyWhenAsked(t *testing.T) {
	s := testenv.Start(t)
	for i := range 30 {
		s.Expect(201, "POST", "/flags", `{"name":"f-`+strconv.Itoa(i)+`","environments":{"production":true}}`)
	}
	c := &http.Client{Transport: &http.Transport{DisableCompression: true}} // sends no Accept-Encoding itself
	for _, accept := range []string{"", "gzip"} {
		req, _ := http.NewRequest("POST", s.URL()+"/ofrep/v1/evaluate/flags", strings.NewReader(benchContext("user-1")))
		req.Header.Set("Content-Type", "application/json")
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if got := res.Header.Get("Content-Encoding"); res.StatusCode != 200 || got != accept {
			t.Fatalf("Accept-Encoding %q: %d with Content-Encoding %q", accept, res.StatusCode, got)
		}
		if accept == "" && (res.ContentLength != int64(len(body)) || !bytes.HasPrefix(body, []byte(`{"flags":[{"key":"f-0",`))) {
			t.Fatalf("without Accept-Encoding: Content-Length %d for %d bytes: %.40s", res.ContentLength, len(body), body)
		}
	}
}
