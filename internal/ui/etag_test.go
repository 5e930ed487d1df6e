package ui_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/featureflags/featureflags/internal/ui"
)

// TestIfNoneMatch: a page is revalidated (304) only when If-None-Match
// names its ETag as an entity tag, weak or strong, alone or in a list, or
// is "*"; text that merely contains the tag does not match.
func TestIfNoneMatch(t *testing.T) {
	h := ui.Handler()
	serve := func(inm string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/ui/app.js", nil)
		if inm != "" {
			r.Header.Set("If-None-Match", inm)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	first := serve("")
	tag := first.Header().Get("ETag")
	if first.Code != http.StatusOK || len(tag) < 3 {
		t.Fatalf("GET /ui/app.js: %d, ETag %q", first.Code, tag)
	}
	inner := tag[1 : len(tag)-1]
	for inm, want := range map[string]int{
		tag:                     http.StatusNotModified,
		"W/" + tag:              http.StatusNotModified,
		`"other", ` + tag:       http.StatusNotModified,
		`"a,b" ,W/` + tag + `,`: http.StatusNotModified,
		"*":                     http.StatusNotModified,
		`"xyz-` + inner + `"`:   http.StatusOK,
		`"` + inner + `-old"`:   http.StatusOK,
		`xyz-` + tag:            http.StatusOK,
		tag + `x`:               http.StatusOK,
		`"other"`:               http.StatusOK,
		`"` + inner:             http.StatusOK,
	} {
		if got := serve(inm).Code; got != want {
			t.Errorf("If-None-Match %s: %d, want %d", inm, got, want)
		}
	}
}
