package apitest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/ascode"
	"github.com/featureflags/featureflags/internal/testenv"
	"github.com/featureflags/featureflags/schema"
)

// runApply is flags-as-code's part of the suite: plan, apply at a
// revision, prune, and the round trip file -> apply -> export -> plan.
func runApply(t *testing.T, open Opener) {
	for name, fn := range map[string]func(*testing.T, *client){
		"ApplyRoundTrip":      testApplyRoundTrip,
		"ApplyStaleRevision":  testApplyStaleRevision,
		"ApplyPrune":          testApplyPrune,
		"ApplyBadInputNoHarm": testApplyBadInput,
	} {
		t.Run(name, func(t *testing.T) { fn(t, newServer(t, open, testenv.WithAuth())) })
	}
}

func exampleDataset(t *testing.T) *ff.Dataset {
	t.Helper()
	d, _, err := ascode.Parse("example.yaml", schema.Example)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (c *client) apply(want int, body map[string]any) *ascode.Plan {
	c.t.Helper()
	var p ascode.Plan
	r := c.Expect(want, "POST", "/apply", body)
	if want == http.StatusOK {
		r.JSON(c.t, &p)
	}
	return &p
}

func testApplyRoundTrip(t *testing.T, c *client) {
	d := exampleDataset(t)
	plan := c.apply(http.StatusOK, map[string]any{"dataset": d, "dryRun": true})
	if plan.Applied || !slices.Equal(plan.Create.Flags, []string{"new-checkout", "checkout-button"}) || !slices.Equal(plan.Create.Segments, []string{"beta-testers"}) {
		t.Fatalf("plan %+v", plan)
	}
	var flags []apiFlag
	if c.Expect(http.StatusOK, "GET", "/flags", nil).JSON(t, &flags); len(flags) != 0 {
		t.Fatalf("a dry run created %d flags", len(flags))
	}
	applied := c.apply(http.StatusOK, map[string]any{"dataset": d, "revision": plan.Revision})
	if !applied.Applied || !slices.Equal(applied.Create.Flags, plan.Create.Flags) {
		t.Fatalf("applied %+v", applied)
	}
	var f ff.Flag
	c.Expect(http.StatusOK, "GET", "/flags/checkout-button", nil).JSON(t, &f)
	if !slices.Contains(f.Tags, ascode.ManagedTag) || f.Targeting["production"].DefaultServe.Rollout.Scheme != ff.SchemeFlagd {
		t.Fatalf("applied flag %+v", f)
	}

	// The export, as a file, plans no change, pruning included.
	exported, err := c.env.Svc.Export(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(exported)
	back, _, err := ascode.Parse("export.json", b)
	if err != nil {
		t.Fatal(err)
	}
	again := c.apply(http.StatusOK, map[string]any{"dataset": back, "prune": true})
	if !again.Empty() || again.Applied {
		t.Fatalf("export planned against itself: %+v", again)
	}
}

// testApplyStaleRevision: an edit between plan and apply makes apply refuse,
// so the edit is not overwritten silently.
func testApplyStaleRevision(t *testing.T, c *client) {
	d := exampleDataset(t)
	c.apply(http.StatusOK, map[string]any{"dataset": d})
	d.Flags[0].Description = "changed in code"
	plan := c.apply(http.StatusOK, map[string]any{"dataset": d, "dryRun": true})
	if !slices.Equal(plan.Change.Flags, []string{"new-checkout"}) {
		t.Fatalf("plan %+v", plan)
	}
	c.Toggle("new-checkout", "production") // someone edits in the UI
	r := c.Expect(http.StatusPreconditionFailed, "POST", "/apply", map[string]any{"dataset": d, "revision": plan.Revision})
	if !strings.Contains(string(r.Body), "plan again") {
		t.Fatalf("refusal %s", r.Body)
	}
	var f ff.Flag
	c.Expect(http.StatusOK, "GET", "/flags/new-checkout", nil).JSON(t, &f)
	if f.Description == "changed in code" || !f.Environments["production"] {
		t.Fatalf("the refused apply changed the flag: %+v", f)
	}
}

func testApplyPrune(t *testing.T, c *client) {
	d := exampleDataset(t)
	c.apply(http.StatusOK, map[string]any{"dataset": d})
	c.Expect(http.StatusCreated, "POST", "/flags", map[string]any{"name": "made-by-hand"})
	if p := c.apply(http.StatusOK, map[string]any{"dataset": d}); !p.Empty() {
		t.Fatalf("without prune the plan is %+v", p)
	}
	p := c.apply(http.StatusOK, map[string]any{"dataset": d, "prune": true})
	if !p.Applied || !slices.Equal(p.Remove.Flags, []string{"made-by-hand"}) || len(p.Remove.Environments) != 0 {
		t.Fatalf("pruning plan %+v", p)
	}
	c.Expect(http.StatusNotFound, "GET", "/flags/made-by-hand", nil)

	// Removing a segment a remaining flag uses is refused.
	d.Segments = nil
	r := c.Expect(http.StatusBadRequest, "POST", "/apply", map[string]any{"dataset": d, "prune": true})
	if !strings.Contains(string(r.Body), "beta-testers") {
		t.Fatalf("refusal %s", r.Body)
	}
}

func testApplyBadInput(t *testing.T, c *client) {
	before, err := c.env.Store.Revision(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	d := exampleDataset(t)
	d.Flags[1].Targeting["production"].DefaultServe.Rollout.Variants[0].Variant = "blue"
	r := c.Expect(http.StatusBadRequest, "POST", "/apply", map[string]any{"dataset": d})
	var e struct{ Error, Field string }
	r.JSON(t, &e)
	if e.Field != "flags[1].targeting.production.defaultServe.rollout.variants[0].variant" {
		t.Fatalf("error %+v", e)
	}
	c.Expect(http.StatusBadRequest, "POST", "/apply", map[string]any{"dataset": d, "purne": true})
	c.Expect(http.StatusBadRequest, "POST", "/apply", map[string]any{"prune": true})
	after, err := c.env.Store.Revision(t.Context())
	if err != nil || after != before {
		t.Fatalf("revision %d -> %d (%v)", before, after, err)
	}
}
