package storetest

import (
	"reflect"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

// testEnvironmentSettings checks that environments keep their settings:
// as created, as updated, and as imported over an existing one.
func testEnvironmentSettings(t *testing.T, s ff.Store) {
	prod := &ff.Environment{Name: "production", CreatedAt: now, Protected: true, RequireApproval: 2}
	must(t, s.CreateEnvironment(ctx(t), prod))
	addEnvs(t, s, "staging")
	envs, err := s.ListEnvironments(ctx(t))
	must(t, err)
	if !reflect.DeepEqual(envs[0], prod) || envs[1].Protected || envs[1].RequireApproval != 0 {
		t.Fatalf("environments as created: %s", dump(envs))
	}
	staging := &ff.Environment{Name: "staging", CreatedAt: envs[1].CreatedAt, RequireApproval: 1, ApprovalAdminsBypass: true}
	rev, _ := s.Revision(ctx(t))
	must(t, s.UpdateEnvironment(ctx(t), staging))
	if rev2, _ := s.Revision(ctx(t)); rev2 <= rev {
		t.Fatalf("UpdateEnvironment did not move the revision (%d -> %d)", rev, rev2)
	}
	mustCode(t, s.UpdateEnvironment(ctx(t), &ff.Environment{Name: "nope", Protected: true}), ff.ENOTFOUND)
	envs, _ = s.ListEnvironments(ctx(t))
	if !reflect.DeepEqual(envs, []*ff.Environment{prod, staging}) {
		t.Fatalf("after update: %s", dump(envs))
	}
	// An import takes the file's settings, also for an environment that
	// exists, which keeps its place.
	in := &ff.Environment{Name: "production", CreatedAt: now, RequireApproval: 3, ApprovalAdminsBypass: true}
	must(t, s.Import(ctx(t), &ff.Dataset{Environments: []*ff.Environment{in}}))
	envs, _ = s.ListEnvironments(ctx(t))
	if !reflect.DeepEqual(envs, []*ff.Environment{in, staging}) {
		t.Fatalf("after import: %s", dump(envs))
	}
}

func newRequest(f *ff.Flag, after *ff.Flag, at int) *ff.ChangeRequest {
	return &ff.ChangeRequest{
		ID: ff.NewID(), FlagID: f.ID, FlagName: f.Name, Action: "flag.update", Environments: []string{"production"},
		Required: 1, Status: ff.RequestOpen, Author: ff.Actor{Type: "token", ID: "t1", Name: "alice"},
		Comment: "please", Before: f.Clone(), After: after, Approvals: []ff.Review{},
		Version: 1, CreatedAt: now.Add(timeStep(at)), UpdatedAt: now.Add(timeStep(at)),
	}
}

func timeStep(i int) time.Duration { return time.Duration(i) * time.Minute }

// proposed is f one version on, switched on in production.
func proposed(f *ff.Flag) *ff.Flag {
	next := f.Clone()
	next.Environments["production"] = true
	next.Version++
	next.UpdatedAt = now.Add(timeStep(9))
	return next
}

// testChangeRequests checks that requests are kept whole, listed newest
// first by status, and updated only at their version.
func testChangeRequests(t *testing.T, s ff.Store) {
	addEnvs(t, s, "development", "production")
	f := richFlag("checkout")
	must(t, s.CreateFlag(ctx(t), f))
	first, second := newRequest(f, proposed(f), 1), newRequest(f, nil, 2)
	must(t, s.CreateChangeRequest(ctx(t), first))
	must(t, s.CreateChangeRequest(ctx(t), second))
	got, err := s.FindChangeRequest(ctx(t), first.ID)
	must(t, err)
	if !reflect.DeepEqual(got, first) {
		t.Fatalf("FindChangeRequest:\n got %s\nwant %s", dump(got), dump(first))
	}
	_, err = s.FindChangeRequest(ctx(t), "nope")
	mustCode(t, err, ff.ENOTFOUND)

	next := first.Clone()
	next.Approvals = append(next.Approvals, ff.Review{Actor: ff.Actor{Type: "token", ID: "t2", Name: "bob"}, Comment: "ok", Time: now})
	next.Version = 2
	must(t, s.UpdateChangeRequest(ctx(t), next, 1))
	mustCode(t, s.UpdateChangeRequest(ctx(t), next, 1), ff.EPRECONDITION)
	rejected := second.Clone()
	rejected.Status, rejected.Version = ff.RequestRejected, 2
	must(t, s.UpdateChangeRequest(ctx(t), rejected, 1))

	listIDs := func(status string) []string {
		t.Helper()
		list, err := s.ListChangeRequests(ctx(t), status)
		must(t, err)
		var ids []string
		for _, r := range list {
			ids = append(ids, r.ID)
		}
		return ids
	}
	if ids := listIDs(""); !reflect.DeepEqual(ids, []string{second.ID, first.ID}) {
		t.Fatalf("all requests %v, want newest first", ids)
	}
	if ids := listIDs(ff.RequestOpen); !reflect.DeepEqual(ids, []string{first.ID}) {
		t.Fatalf("open requests %v, want only %s", ids, first.ID)
	}
	_, err = s.ListChangeRequests(ctx(t), "pending")
	mustField(t, err, ff.EINVALID, "status")
	got, _ = s.FindChangeRequest(ctx(t), first.ID)
	if !reflect.DeepEqual(got, next) {
		t.Fatalf("after update:\n got %s\nwant %s", dump(got), dump(next))
	}
}

// testApplyChangeRequest checks that applying makes the change and records
// the request together, and neither when the flag or the request moved.
func testApplyChangeRequest(t *testing.T, s ff.Store) {
	addEnvs(t, s, "development", "production")
	f := richFlag("checkout")
	must(t, s.CreateFlag(ctx(t), f))
	r := newRequest(f, proposed(f), 1)
	must(t, s.CreateChangeRequest(ctx(t), r))

	// Someone changes the flag meanwhile: nothing is applied.
	moved := f.Clone()
	moved.Description, moved.Version = "moved on", 2
	must(t, s.UpdateFlag(ctx(t), moved, 1))
	done := r.Clone()
	done.Status, done.Version = ff.RequestApplied, 2
	rev, _ := s.Revision(ctx(t))
	mustCode(t, s.ApplyChangeRequest(ctx(t), done, 1), ff.EPRECONDITION)
	if rev2, _ := s.Revision(ctx(t)); rev2 != rev {
		t.Fatalf("a refused apply moved the revision %d -> %d", rev, rev2)
	}
	assertRequest(t, s, r)
	assertFlag(t, s, moved)

	// Proposed again on the current flag, it applies.
	r2 := newRequest(moved, proposed(moved), 2)
	must(t, s.CreateChangeRequest(ctx(t), r2))
	done = r2.Clone()
	done.Status, done.Version = ff.RequestApplied, 2
	mustCode(t, s.ApplyChangeRequest(ctx(t), done, 7), ff.EPRECONDITION) // a stale request
	assertFlag(t, s, moved)
	must(t, s.ApplyChangeRequest(ctx(t), done, 1))
	assertRequest(t, s, done)
	assertFlag(t, s, r2.After)

	// A request without After deletes the flag.
	del := newRequest(r2.After, nil, 3)
	must(t, s.CreateChangeRequest(ctx(t), del))
	done = del.Clone()
	done.Status, done.Version = ff.RequestApplied, 2
	must(t, s.ApplyChangeRequest(ctx(t), done, 1))
	_, err := s.FindFlag(ctx(t), f.ID)
	mustCode(t, err, ff.ENOTFOUND)
	assertRequest(t, s, done)
}

func assertRequest(t *testing.T, s ff.Store, want *ff.ChangeRequest) {
	t.Helper()
	got, err := s.FindChangeRequest(ctx(t), want.ID)
	must(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("request:\n got %s\nwant %s", dump(got), dump(want))
	}
}

func assertFlag(t *testing.T, s ff.Store, want *ff.Flag) {
	t.Helper()
	got, err := s.FindFlag(ctx(t), want.ID)
	must(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("flag:\n got %s\nwant %s", dump(got), dump(want))
	}
}
