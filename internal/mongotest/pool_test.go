package mongotest_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/mongotest"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/store/mongo"
)

// The tests here run the store on FerretDB's PostgreSQL backend through a
// real pool of mongotest.PoolSize connections, with more concurrent
// writers than connections. FerretDB does not update one document
// atomically across connections (see the package comment), so each writer
// changes documents of its own; what they share is only what FerretDB
// keeps atomic: unique indexes.

// writers is the number of concurrent writers, four per connection.
const writers = 4 * mongotest.PoolSize

func openPool(t *testing.T, url string) ff.Store {
	t.Helper()
	s, err := mongo.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Concurrent writers, half through each of two stores (two replicas, two
// pools), each creating, toggling and updating a flag of its own, all
// succeed and lose nothing: every write counts in the flag's version and
// leaves its audit event.
func TestPoolConcurrentWriters(t *testing.T) {
	url := mongotest.StartPostgres(t)
	stores := []ff.Store{openPool(t, url), openPool(t, url)}
	ctx := t.Context()
	must(t, stores[0].CreateEnvironment(ctx, &ff.Environment{Name: "production", CreatedAt: t0}))
	before := revision(t, stores[1])
	const rounds = 3
	flags := make([]*ff.Flag, writers)
	var wg sync.WaitGroup
	for i := range flags {
		flags[i] = &ff.Flag{ID: ff.NewID(), Name: fmt.Sprintf("f%02d", i), Type: ff.TypeBoolean,
			Environments: map[string]bool{"production": false}, Version: 1, CreatedAt: t0, UpdatedAt: t0}
		wg.Go(func() {
			if err := writeOwnFlag(t, stores[i%2], flags[i], rounds); err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, f := range flags {
		got, err := stores[1].FindFlag(ctx, f.ID)
		must(t, err)
		want := fmt.Sprintf("round %d", rounds-1)
		if got.Version != 1+2*rounds || got.Environments["production"] != (rounds%2 == 1) || got.Description != want {
			t.Errorf("flag %s: version %d, production %v, description %q; want %d, %v, %q",
				f.Name, got.Version, got.Environments["production"], got.Description, 1+2*rounds, rounds%2 == 1, want)
		}
		events, _, err := stores[0].ListAudit(ctx, ff.AuditFilter{TargetID: f.ID, Limit: 100})
		must(t, err)
		if len(events) != 2*rounds {
			t.Errorf("flag %s: %d audit events, want %d", f.Name, len(events), 2*rounds)
		}
	}
	if after := revision(t, stores[0]); after <= before {
		t.Errorf("revision %d after the writes, was %d", after, before)
	}
}

// writeOwnFlag creates f, then toggles it in production and replaces its
// description rounds times, each write with its audit event and the
// version it expects.
func writeOwnFlag(t *testing.T, s ff.Store, f *ff.Flag, rounds int) error {
	audited := func(action string) *ff.AuditEvent {
		return &ff.AuditEvent{Time: t0, Actor: ff.Actor{Type: "local"}, Action: action,
			TargetType: "flag", TargetID: f.ID, TargetName: f.Name, Environment: "production"}
	}
	if err := s.CreateFlag(t.Context(), f); err != nil {
		return err
	}
	for i := range rounds {
		toggled, err := s.ToggleFlag(ff.WithAudit(t.Context(), audited("flag.toggle")), f.ID, "production", f.Version, t0)
		if err != nil {
			return fmt.Errorf("toggle %d: %w", i, err)
		}
		next := toggled.Clone()
		next.Description, next.Version = fmt.Sprintf("round %d", i), toggled.Version+1
		if err := s.UpdateFlag(ff.WithAudit(t.Context(), audited("flag.update")), next, toggled.Version); err != nil {
			return fmt.Errorf("update %d: %w", i, err)
		}
		f = next
	}
	return nil
}

// Of concurrent creations of flags of one name exactly one wins and the
// others are refused as a conflict on the name: PostgreSQL's unique index
// decides, atomically across connections.
func TestPoolConcurrentCreatesOneWinner(t *testing.T) {
	s := openPool(t, mongotest.StartPostgres(t))
	must(t, s.CreateEnvironment(t.Context(), &ff.Environment{Name: "production", CreatedAt: t0}))
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.CreateFlag(t.Context(), &ff.Flag{ID: ff.NewID(), Name: "contended", Type: ff.TypeBoolean,
				Environments: map[string]bool{}, Version: 1, CreatedAt: t0, UpdatedAt: t0})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case ff.ErrorCode(err) != ff.ECONFLICT || ff.ErrorField(err) != "name":
			t.Fatalf("a losing creation answered %v, want a conflict on the name", err)
		}
	}
	flags, err := s.ListFlags(t.Context())
	must(t, err)
	if won != 1 || len(flags) != 1 {
		t.Fatalf("%d creations won and %d flags exist, want 1 and 1", won, len(flags))
	}
}

// Through the HTTP API of two replicas on one database (the service
// serialises the writes of one process, so only replicas write
// concurrently), clients each toggling and describing a flag of their own
// all get 200, and the database holds every write. It is read through a
// store of its own: every write also increments the shared revision
// document, and FerretDB can lose one of two concurrent increments, after
// which each replica takes its own change for the only one and patches its
// view, missing the other's until the next change. On MongoDB the
// increment is atomic and the replica that sees the revision move by two
// reads the store again.
func TestPoolAPIConcurrentReplicas(t *testing.T) {
	url := mongotest.StartPostgres(t)
	replicas := []*testenv.Server{
		testenv.Start(t, testenv.OnStore(openPool(t, url))),
		testenv.Start(t, testenv.OnStore(openPool(t, url))),
	}
	const rounds = 3
	ids := make([]string, writers)
	for i := range ids {
		var f struct {
			ID string `json:"_id"`
		}
		replicas[0].Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": fmt.Sprintf("f%02d", i)}).JSON(t, &f)
		ids[i] = f.ID
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			if err := writeOwnFlagAPI(replicas[i%2].Client, id, rounds); err != nil {
				t.Errorf("writer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	check := openPool(t, url)
	for _, id := range ids {
		got, err := check.FindFlag(t.Context(), id)
		must(t, err)
		if got.Version != 1+2*rounds || got.Environments["production"] != (rounds%2 == 1) || got.Description != fmt.Sprintf("round %d", rounds-1) {
			t.Errorf("flag %s after %d rounds: version %d, environments %v, description %q", got.Name, rounds, got.Version, got.Environments, got.Description)
		}
	}
}

// writeOwnFlagAPI toggles the flag id in production and replaces its
// description rounds times through c.
func writeOwnFlagAPI(c *testenv.Client, id string, rounds int) error {
	for i := range rounds {
		for _, w := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/flags/" + id + "/toggle", map[string]string{"environment": "production"}},
			{"PUT", "/flags/" + id, map[string]string{"description": fmt.Sprintf("round %d", i)}},
		} {
			r, err := c.Send(w.method, w.path, w.body)
			if err != nil {
				return err
			}
			if r.Status != http.StatusOK {
				return fmt.Errorf("%s %s: %d %s", w.method, w.path, r.Status, r.Body)
			}
		}
	}
	return nil
}
