package server_test

import (
	"net/http"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/testenv"
)

// Flags say who changed them last: the actor of the write, for updates
// and for toggles alike, in GET /flags/{id} and in the list.
func TestFlagsSayWhoChangedThem(t *testing.T) {
	s := testenv.Start(t, testenv.WithAuth())
	bob := s.As(s.NewToken(ff.RoleEditor, "", "bob"))
	carol := s.As(s.NewToken(ff.RoleEditor, "", "carol"))
	by := func(name string) string {
		t.Helper()
		var f struct {
			UpdatedBy *ff.Actor `json:"updatedBy"`
		}
		s.Expect(http.StatusOK, "GET", "/flags/"+name, nil).JSON(t, &f)
		if f.UpdatedBy == nil {
			return ""
		}
		return f.UpdatedBy.Type + ":" + f.UpdatedBy.Name
	}
	bob.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "who"})
	if got := by("who"); got != "token:bob" {
		t.Fatalf("after bob created it: %q", got)
	}
	carol.Expect(http.StatusOK, "POST", "/flags/who/toggle", map[string]any{"environment": "production"})
	if got := by("who"); got != "token:carol" {
		t.Fatalf("after carol toggled it: %q", got)
	}
	bob.Expect(http.StatusOK, "PUT", "/flags/who", map[string]any{"description": "changed"})
	if got := by("who"); got != "token:bob" {
		t.Fatalf("after bob changed it: %q", got)
	}
	var list []struct {
		Name      string    `json:"name"`
		UpdatedBy *ff.Actor `json:"updatedBy"`
	}
	s.Expect(http.StatusOK, "GET", "/flags", nil).JSON(t, &list)
	if len(list) != 1 || list[0].UpdatedBy == nil || list[0].UpdatedBy.Name != "bob" {
		t.Fatalf("GET /flags: %+v", list)
	}
}
