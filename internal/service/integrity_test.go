package service_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/internal/testenv"
)

// flagState is what these tests read of a flag.
type flagState struct {
	ID          string `json:"_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Version     int64  `json:"version"`
}

func getFlag(t *testing.T, c *testenv.Client, idOrName string) flagState {
	t.Helper()
	var f flagState
	c.Expect(http.StatusOK, "GET", "/flags/"+idOrName, nil).JSON(t, &f)
	return f
}

func historyLen(t *testing.T, c *testenv.Client, idOrName string) int {
	t.Helper()
	var page struct {
		Events []map[string]any `json:"events"`
	}
	c.Expect(http.StatusOK, "GET", "/flags/"+idOrName+"/history", nil).JSON(t, &page)
	return len(page.Events)
}

// An update that changes nothing answers 200 with the flag as it is and
// writes neither a version nor an audit event.
func TestUpdateThatChangesNothing(t *testing.T) {
	s := testenv.Start(t)
	var f flagState
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "quiet", "description": "d"}).JSON(t, &f)
	for _, body := range []string{`{}`, `{"description":"d"}`, `{"name":"quiet","environments":{"production":false}}`} {
		var got flagState
		s.Expect(http.StatusOK, "PUT", "/flags/"+f.ID, body).JSON(t, &got)
		if got != f {
			t.Fatalf("PUT %s answered %+v, want the unchanged %+v", body, got, f)
		}
	}
	if v := getFlag(t, s.Client, f.ID).Version; v != 1 {
		t.Fatalf("version after no-op updates = %d, want 1", v)
	}
	if n := historyLen(t, s.Client, f.ID); n != 1 {
		t.Fatalf("history has %d events after no-op updates, want 1 (the create)", n)
	}
	s.Expect(http.StatusOK, "PUT", "/flags/"+f.ID, `{"description":"e"}`)
	if v, n := getFlag(t, s.Client, f.ID).Version, historyLen(t, s.Client, f.ID); v != 2 || n != 2 {
		t.Fatalf("after a real change: version %d, %d events; want 2 and 2", v, n)
	}
}

// A segment update that changes nothing writes nothing either.
func TestSegmentUpdateThatChangesNothing(t *testing.T) {
	s := testenv.Start(t)
	var sg struct {
		ID      string `json:"_id"`
		Version int64  `json:"version"`
	}
	s.Expect(http.StatusCreated, "POST", "/segments", map[string]any{"name": "beta", "match": "any"}).JSON(t, &sg)
	s.Expect(http.StatusOK, "PUT", "/segments/beta", `{"match":"any"}`)
	var got struct {
		Events []map[string]any `json:"events"`
	}
	s.Expect(http.StatusOK, "GET", "/audit", nil).JSON(t, &got)
	if len(got.Events) != 1 {
		t.Fatalf("audit has %d events after a no-op segment update, want 1", len(got.Events))
	}
}

// hangUp is a store whose ToggleFlag, once committed, cancels the caller's
// context: the client that asked went away right after the commit.
type hangUp struct {
	ff.Store
	cancel context.CancelFunc
}

func (h hangUp) ToggleFlag(ctx context.Context, id, env string, expect int64, now time.Time) (*ff.Flag, error) {
	f, err := h.Store.ToggleFlag(ctx, id, env, expect, now)
	h.cancel()
	return f, err
}

// A committed toggle reaches the view even when its client is gone by
// the time the view would learn of it.
func TestCommittedToggleReachesViewAfterHangUp(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	st := openSQLite(t, filepath.Join(t.TempDir(), "flags.db"))
	s := service.New(hangUp{Store: st, cancel: cancel})
	if err := s.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	f, err := s.CreateFlag(t.Context(), service.FlagInput{Name: "gone"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ToggleFlag(ctx, f.ID, "production", ff.AnyVersion); err != nil {
		t.Fatalf("toggle: %v", err)
	}
	stored, err := st.FindFlag(t.Context(), f.ID)
	if err != nil || !stored.Environments["production"] {
		t.Fatalf("store has %+v (%v), want the toggle committed", stored, err)
	}
	if got := s.Latest().Flag(f.ID); !got.Environments["production"] {
		t.Fatalf("view still has production %v after the committed toggle", got.Environments["production"])
	}
}

// A flag or segment may not be named like an id, so that an id and a name
// never pick two different items: DELETE /flags/<name> once deleted the
// flag whose id that name was.
func TestNamesCannotBeIDs(t *testing.T) {
	s := testenv.Start(t)
	var victim flagState
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "victim"}).JSON(t, &victim)
	r := s.Expect(http.StatusBadRequest, "POST", "/flags", map[string]any{"name": victim.ID})
	var e struct {
		Field string `json:"field"`
	}
	r.JSON(t, &e)
	if e.Field != "name" {
		t.Fatalf("refusal blames %q, want name: %s", e.Field, r.Body)
	}
	s.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "other"})
	s.Expect(http.StatusBadRequest, "PUT", "/flags/other", map[string]any{"name": victim.ID})
	s.Expect(http.StatusBadRequest, "POST", "/segments", map[string]any{"name": "0123456789abcdef01234567"})
	if got := getFlag(t, s.Client, victim.ID); got.Name != "victim" {
		t.Fatalf("victim is now %+v", got)
	}
}

// PruneAudit keeps what the retention says, by the service's clock.
func TestAuditRetention(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.db")
	clock := t0
	now := func() time.Time { return clock }
	st := openSQLite(t, path)
	byAge := service.New(st, service.WithClock(now), service.WithAuditRetention(service.AuditRetention{MaxAge: 90 * 24 * time.Hour}))
	if err := byAge.Init(t.Context()); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		events, _, err := byAge.ListAudit(t.Context(), service.AuditQuery{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(events)
	}
	for _, name := range []string{"a", "b", "c"} {
		if _, err := byAge.CreateFlag(t.Context(), service.FlagInput{Name: name}); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(30 * 24 * time.Hour)
	}
	// Now t0+90d: a's event is exactly 90 days old and stays.
	if n, err := byAge.PruneAudit(t.Context()); err != nil || n != 0 || count() != 3 {
		t.Fatalf("at 90 days: deleted %d (%v), %d left; want 0 and 3", n, err, count())
	}
	clock = clock.Add(31 * 24 * time.Hour)
	if n, err := byAge.PruneAudit(t.Context()); err != nil || n != 2 || count() != 1 {
		t.Fatalf("at 121 days: deleted %d (%v), %d left; want 2 and 1", n, err, count())
	}

	off := service.New(st, service.WithClock(func() time.Time { return clock.Add(1000 * 24 * time.Hour) }))
	if n, err := off.PruneAudit(t.Context()); err != nil || n != 0 || count() != 1 {
		t.Fatalf("retention off: deleted %d (%v), %d left; want 0 and 1", n, err, count())
	}
	byCount := service.New(st, service.WithAuditRetention(service.AuditRetention{MaxEvents: 1}))
	if _, err := byCount.CreateFlag(t.Context(), service.FlagInput{Name: "d"}); err != nil {
		t.Fatal(err)
	}
	if n, err := byCount.PruneAudit(t.Context()); err != nil || n != 1 || count() != 1 {
		t.Fatalf("keeping 1: deleted %d (%v), %d left; want 1 and 1", n, err, count())
	}
}
