package mongotest_test

import (
	"errors"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/mongotest"
	"github.com/featureflags/featureflags/store/mongo"
)

// errDied stands for a replica dying between two steps of a write.
var errDied = errors.New("replica died")

// applyFixture is two replicas of one database, a flag off in production
// and an open request switching it on.
type applyFixture struct {
	url  string
	a, b *mongo.Store
	flag *ff.Flag
	req  *ff.ChangeRequest
}

func newApplyFixture(t *testing.T) *applyFixture {
	url := mongotest.Start(t)
	fx := &applyFixture{url: url}
	for _, s := range []**mongo.Store{&fx.a, &fx.b} {
		st, err := mongo.Open(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		*s = st
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	must(t, fx.a.CreateEnvironment(t.Context(), &ff.Environment{Name: "production", CreatedAt: now}))
	fx.flag = &ff.Flag{ID: ff.NewID(), Name: "checkout", Type: ff.TypeBoolean, Environments: map[string]bool{"production": false},
		Version: 1, CreatedAt: now, UpdatedAt: now}
	must(t, fx.a.CreateFlag(t.Context(), fx.flag))
	after := fx.flag.Clone()
	after.Environments["production"], after.Version = true, 2
	fx.req = &ff.ChangeRequest{ID: ff.NewID(), FlagID: fx.flag.ID, FlagName: "checkout", Action: "flag.toggle",
		Environments: []string{"production"}, Required: 1, Status: ff.RequestOpen, Author: ff.Actor{Type: "token", ID: "t1", Name: "alice"},
		Before: fx.flag.Clone(), After: after, Approvals: []ff.Review{{Actor: ff.Actor{Type: "token", ID: "t2", Name: "bob"}, Time: now}},
		Version: 2, CreatedAt: now, UpdatedAt: now}
	must(t, fx.a.CreateChangeRequest(t.Context(), fx.req))
	return fx
}

// applyDying applies the request on replica a, which dies at point.
func (fx *applyFixture) applyDying(t *testing.T, point string) *ff.ChangeRequest {
	t.Helper()
	fx.a.SetInterrupt(func(p string) error {
		if p == point {
			return errDied
		}
		return nil
	})
	done := fx.req.Clone()
	done.Status, done.Version = ff.RequestApplied, 3
	done.Decision = &ff.Review{Actor: ff.Actor{Type: "token", ID: "t2", Name: "bob"}, Time: done.UpdatedAt}
	ev := &ff.AuditEvent{Time: time.Now(), Action: "flag.toggle", TargetType: "flag", TargetID: fx.flag.ID, TargetName: "checkout"}
	if err := fx.a.ApplyChangeRequest(ff.WithAudit(t.Context(), ev), done, 2); !errors.Is(err, errDied) {
		t.Fatalf("apply on the dying replica: %v, want it to die", err)
	}
	return done
}

func (fx *applyFixture) state(t *testing.T, s *mongo.Store) (*ff.ChangeRequest, *ff.Flag) {
	t.Helper()
	r, err := s.FindChangeRequest(t.Context(), fx.req.ID)
	must(t, err)
	f, err := s.FindFlag(t.Context(), fx.flag.ID)
	must(t, err)
	return r, f
}

// flagEvents counts the audit events of the flag.
func flagEvents(t *testing.T, s *mongo.Store, flagID string) int {
	t.Helper()
	evs, _, err := s.ListAudit(t.Context(), ff.AuditFilter{TargetID: flagID})
	must(t, err)
	n := 0
	for _, e := range evs {
		if e.Action == "flag.toggle" {
			n++
		}
	}
	return n
}

// TestApplyInterruptedAfterClaim: a replica dies once it has claimed the
// request, before writing the flag. The other replica, reading the
// request, finishes the apply: the flag is switched on, the request
// applied, audited once.
func TestApplyInterruptedAfterClaim(t *testing.T) {
	fx := newApplyFixture(t)
	done := fx.applyDying(t, mongo.PointRequestClaimed)
	if f, err := fx.b.FindFlag(t.Context(), fx.flag.ID); err != nil || f.Environments["production"] {
		t.Fatalf("the flag changed before the replica died: %+v %v", f, err)
	}
	r, f := fx.state(t, fx.b)
	if r.Status != ff.RequestApplied || r.Version != done.Version || !f.Environments["production"] || f.Version != 2 {
		t.Fatalf("after settling: request %s v%d, flag on=%v v%d", r.Status, r.Version, f.Environments["production"], f.Version)
	}
	if n := flagEvents(t, fx.b, fx.flag.ID); n != 1 {
		t.Fatalf("%d flag.toggle events, want 1", n)
	}
}

// TestApplyInterruptedAfterFlag: the replica dies after writing the flag,
// before recording the request applied: the next list of requests shows
// it applied, audited once.
func TestApplyInterruptedAfterFlag(t *testing.T) {
	fx := newApplyFixture(t)
	fx.applyDying(t, mongo.PointFlagWritten)
	list, err := fx.b.ListChangeRequests(t.Context(), ff.RequestOpen)
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("open after settling: %+v", list)
	}
	r, f := fx.state(t, fx.b)
	if r.Status != ff.RequestApplied || !f.Environments["production"] {
		t.Fatalf("after settling: request %s, flag on=%v", r.Status, f.Environments["production"])
	}
	if n := flagEvents(t, fx.b, fx.flag.ID); n != 1 {
		t.Fatalf("%d flag.toggle events, want 1", n)
	}
}

// TestApplyInterruptedThenFlagChanged: the replica dies after its claim,
// and someone changes the flag before anyone reads the request: the
// change can no longer be made, so the claim is undone; the request is
// open again with its approval, the other write stands.
func TestApplyInterruptedThenFlagChanged(t *testing.T) {
	fx := newApplyFixture(t)
	fx.applyDying(t, mongo.PointRequestClaimed)
	moved := fx.flag.Clone()
	moved.Description, moved.Version = "moved on", 2
	must(t, fx.b.UpdateFlag(t.Context(), moved, 1))
	r, f := fx.state(t, fx.b)
	if r.Status != ff.RequestOpen || r.Version != fx.req.Version || len(r.Approvals) != 1 || f.Environments["production"] || f.Description != "moved on" {
		t.Fatalf("after settling: request %s v%d, flag %+v", r.Status, r.Version, f)
	}
	// The request can be edited again at its version.
	edited := r.Clone()
	edited.Comment, edited.Version = "again", r.Version+1
	must(t, fx.b.UpdateChangeRequest(t.Context(), edited, r.Version))
}
