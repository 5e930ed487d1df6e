package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/featureflags/featureflags/internal/testenv"
)

// TestListFlagsFirstPage: ?limit=n answers the first n flags by name, with
// the environment's state when asked, its own ETag (a page's tag never
// answers 304 for the whole list, nor the list's for a page), and refuses a
// limit out of range with the limit named, changing nothing.
func TestListFlagsFirstPage(t *testing.T) {
	s := testenv.Start(t)
	createFlags(t, s, 5) // f0..f4
	type listed struct {
		Name    string `json:"name"`
		Enabled *bool  `json:"enabled"`
	}
	names := func(l []listed) string {
		var out []string
		for _, f := range l {
			out = append(out, f.Name)
		}
		return strings.Join(out, ",")
	}
	var page, all []listed
	first := s.Expect(http.StatusOK, "GET", "/flags?limit=2", nil)
	first.JSON(t, &page)
	whole := s.Expect(http.StatusOK, "GET", "/flags", nil)
	whole.JSON(t, &all)
	if names(page) != "f0,f1" || names(all) != "f0,f1,f2,f3,f4" {
		t.Fatalf("limit=2 answered %s, the list %s", names(page), names(all))
	}
	s.Expect(http.StatusOK, "GET", "/flags?limit=1000", nil).JSON(t, &page)
	if names(page) != names(all) {
		t.Fatalf("limit=1000 answered %s, want the whole list", names(page))
	}
	s.Expect(http.StatusOK, "GET", "/flags?limit=1&environment=production", nil).JSON(t, &page)
	if len(page) != 1 || page[0].Enabled == nil {
		t.Fatalf("limit=1&environment=production answered %+v, want f0 with enabled", page)
	}

	pageTag, listTag := first.Header.Get("ETag"), whole.Header.Get("ETag")
	if pageTag == "" || pageTag == listTag {
		t.Fatalf("the page's ETag %q, the list's %q: want two different tags", pageTag, listTag)
	}
	s.Expect(http.StatusNotModified, "GET", "/flags?limit=2", nil, "If-None-Match", pageTag)
	s.Expect(http.StatusOK, "GET", "/flags", nil, "If-None-Match", pageTag)
	s.Expect(http.StatusOK, "GET", "/flags?limit=2", nil, "If-None-Match", listTag)

	for _, bad := range []string{"0", "-1", "1001", "ten", "", "2.5"} {
		r := s.Do("GET", "/flags?limit="+bad, nil)
		var e struct{ Error, Field, Limit string }
		if r.Status != http.StatusBadRequest || json.Unmarshal(r.Body, &e) != nil || e.Field != "limit" || e.Limit != "list-limit" || !strings.Contains(e.Error, "1 to 1000") {
			t.Errorf("limit=%q: %d %s, want 400 naming the field limit and list-limit", bad, r.Status, r.Body)
		}
	}
	s.Expect(http.StatusOK, "GET", "/flags", nil).JSON(t, &all)
	if names(all) != "f0,f1,f2,f3,f4" {
		t.Fatalf("after the refused requests the list is %s", names(all))
	}
}
