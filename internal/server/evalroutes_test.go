package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestEvalRoutesAsMux holds evalRoutes to what ServeMux answers: for every
// path, the same status, Location, pattern and key, whether or not it
// takes the path itself; and it takes the plain ones.
func TestEvalRoutesAsMux(t *testing.T) {
	// ServeMux alone gives the key as a path value; evalRoutes's single
	// route reads it with evalKey, through ServeMux or not.
	handlers := func(key func(*http.Request) string) (*http.ServeMux, http.HandlerFunc, http.HandlerFunc) {
		single := func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("single " + r.Pattern + " key=" + key(r)))
		}
		bulk := func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("bulk " + r.Pattern)) }
		mux := http.NewServeMux()
		mux.HandleFunc("POST "+evalPrefix+"{key}", single)
		mux.HandleFunc("POST "+evalAllPath, bulk)
		mux.HandleFunc("/", http.NotFound)
		return mux, single, bulk
	}
	plain, _, _ := handlers(func(r *http.Request) string { return r.PathValue("key") })
	mux, single, bulk := handlers(evalKey)
	taken := 0
	fast := evalRoutes(mux,
		func(w http.ResponseWriter, r *http.Request) { taken++; single(w, r) },
		func(w http.ResponseWriter, r *http.Request) { taken++; bulk(w, r) })
	for _, c := range []struct {
		method, target string
		fast           bool // evalRoutes answers it without mux
	}{
		{"POST", "/ofrep/v1/evaluate/flags/checkout", true},
		{"POST", "/ofrep/v1/evaluate/flags", true},
		{"POST", "/ofrep/v1/evaluate/flags/new.checkout-2_b", true},
		{"POST", "/ofrep/v1/evaluate/flags/a%20b", true},
		{"POST", "/ofrep/v1/evaluate/flags/caf%C3%A9", true},
		{"POST", "/ofrep/v1/evaluate/flags/a%2Fb", false},
		{"POST", "/ofrep/v1/evaluate/fl%61gs/a%2Fb%20c", false},
		{"POST", "/ofrep/v1/evaluate/flags/%2E%2E", false},
		{"POST", "/ofrep/v1/evaluate/flags/%2e", false},
		{"POST", "/ofrep/v1/evaluate/flags/", false},
		{"POST", "/ofrep/v1/evaluate/flags/a/b", false},
		{"POST", "/ofrep/v1/evaluate/flags/./a", false},
		{"POST", "/ofrep/v1/evaluate/flags/..", false},
		{"POST", "/ofrep/v1/evaluate/flags/.", false},
		{"POST", "/ofrep/v1/evaluate/flags//a", false},
		{"POST", "/ofrep/v1/evaluate/flags%2Fa", false},
		{"POST", "/ofrep/v1/evaluate/flagsx", false},
		{"GET", "/ofrep/v1/evaluate/flags/checkout", false},
		{"PUT", "/ofrep/v1/evaluate/flags", false},
	} {
		want, got := httptest.NewRecorder(), httptest.NewRecorder()
		plain.ServeHTTP(want, httptest.NewRequest(c.method, c.target, nil))
		before := taken
		fast.ServeHTTP(got, httptest.NewRequest(c.method, c.target, nil))
		if got.Code != want.Code || got.Body.String() != want.Body.String() || got.Header().Get("Location") != want.Header().Get("Location") {
			t.Errorf("%s %s: %d %q (Location %q), ServeMux: %d %q (Location %q)", c.method, c.target,
				got.Code, got.Body, got.Header().Get("Location"), want.Code, want.Body, want.Header().Get("Location"))
		}
		if (taken > before) != c.fast {
			t.Errorf("%s %s: taken without mux %v, want %v", c.method, c.target, taken > before, c.fast)
		}
	}
}
