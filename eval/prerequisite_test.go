package eval

import (
	"testing"

	"github.com/featureflags/featureflags"
)

func requires(t *featureflags.Targeting, flag string, variants ...string) *featureflags.Targeting {
	t.Prerequisites = append(t.Prerequisites, featureflags.Prerequisite{Flag: flag, Variants: variants})
	return t
}

// prereqFlags: base is on for beta users; checkout requires base "on" and
// serves "new" to NZ, else "old" (its off variant too); banner requires
// checkout "new" (a chain).
func prereqFlags() []*featureflags.Flag {
	colors := map[string]any{"new": "N", "old": "O"}
	return []*featureflags.Flag{
		flagOn("base", "", nil, &featureflags.Targeting{Rules: []featureflags.Rule{serveRule("on", cond("beta", "eq", true))},
			DefaultServe: &featureflags.Serve{Variant: "off"}}),
		flagOn("checkout", featureflags.TypeString, colors, requires(&featureflags.Targeting{
			Rules:        []featureflags.Rule{serveRule("new", cond("country", "eq", "NZ"))},
			DefaultServe: &featureflags.Serve{Variant: "new"}, OffVariant: "old"}, "base", "on")),
		flagOn("banner", "", nil, requires(&featureflags.Targeting{}, "checkout", "new")),
	}
}

func TestPrerequisitesDecideWhetherTheRulesRun(t *testing.T) {
	snap := mustCompile(t, prereqFlags())
	cases := []struct {
		key     string
		ctx     Context
		variant string
		reason  string
	}{
		{"checkout", Context{"beta": true, "country": "NZ"}, "new", ReasonTargetingMatch},
		{"checkout", Context{"beta": false, "country": "NZ"}, "old", ReasonDisabled},
		{"banner", Context{"beta": true}, "on", ReasonDefault},    // not static: it depends on the context
		{"banner", Context{"beta": false}, "off", ReasonDisabled}, // checkout served its off variant
	}
	for _, c := range cases {
		r := snap.Evaluate(prod, c.key, c.ctx)
		if r.Variant != c.variant || r.Reason != c.reason {
			t.Errorf("%s %v: %s %s, want %s %s", c.key, c.ctx, r.Variant, r.Reason, c.variant, c.reason)
		}
	}
	// A prerequisite that is off fails, whatever its off variant: base
	// serves "on" to beta users while off nowhere but here.
	flags := prereqFlags()
	flags[0].Targeting[prod].OffVariant = "on"
	flags[0].Environments[prod] = false
	if r := mustCompile(t, flags).Evaluate(prod, "checkout", Context{"beta": true}); r.Variant != "old" || r.Reason != ReasonDisabled {
		t.Errorf("checkout while base is off: %+v", r)
	}
}

func TestPrerequisiteFollowsItsFlagWithoutRecompiling(t *testing.T) {
	flags := prereqFlags()
	snap := mustCompile(t, flags)
	ctx := Context{"beta": true}
	if r := snap.Evaluate(prod, "banner", ctx); r.Variant != "on" {
		t.Fatalf("banner before: %+v", r)
	}
	off := flags[0].Clone()
	off.Environments[prod] = false
	next := snap.With("base", off, 8)
	if r := next.Evaluate(prod, "banner", ctx); r.Variant != "off" || r.Reason != ReasonDisabled {
		t.Errorf("banner once base is off: %+v", r)
	}
	if r := snap.With("base", nil, 9).Evaluate(prod, "checkout", ctx); r.Variant != "old" {
		t.Errorf("checkout once base is gone: %+v", r)
	}
}

func TestPrerequisiteCycleInASnapshotFailsInsteadOfLooping(t *testing.T) {
	a := flagOn("a", "", nil, requires(&featureflags.Targeting{}, "b", "on"))
	b := flagOn("b", "", nil, requires(&featureflags.Targeting{}, "a", "on"))
	snap := Compile([]*featureflags.Flag{a, b}, nil, testEnvs, 1)
	if r := snap.Evaluate(prod, "a", nil); r.Variant != "off" || r.ErrorCode != "" {
		t.Errorf("a in a cycle: %+v", r)
	}
}

func TestPrerequisitesEvaluateWithoutAllocating(t *testing.T) {
	snap := mustCompile(t, prereqFlags())
	ctx := Context{"beta": true, "country": "NZ"}
	if n := testing.AllocsPerRun(100, func() { snap.Evaluate(prod, "banner", ctx) }); n != 0 {
		t.Errorf("evaluating a chain of prerequisites allocates %v times", n)
	}
}

func TestExplainNamesTheFailedPrerequisite(t *testing.T) {
	snap := mustCompile(t, prereqFlags())
	x := snap.Explain(prod, "banner", Context{"beta": false})
	if x.Evaluated || len(x.Prerequisites) != 1 {
		t.Fatalf("explanation %+v", x)
	}
	p := x.Prerequisites[0]
	if p.Flag != "checkout" || !p.Consulted || p.Met || p.Served == nil || p.Served.Variant != "old" {
		t.Errorf("prerequisite outcome %+v", p)
	}
	if x := snap.Explain(prod, "banner", Context{"beta": true}); !x.Evaluated || !x.Prerequisites[0].Met {
		t.Errorf("met prerequisite explained as %+v", x)
	}
}

func TestValidatePrerequisites(t *testing.T) {
	cases := []struct {
		p     featureflags.Prerequisite
		field string
	}{
		{featureflags.Prerequisite{Variants: []string{"on"}}, "targeting.production.prerequisites[0].flag"},
		{featureflags.Prerequisite{Flag: "f", Variants: []string{"on"}}, "targeting.production.prerequisites[0].flag"},
		{featureflags.Prerequisite{Flag: "g"}, "targeting.production.prerequisites[0].variants"},
		{featureflags.Prerequisite{Flag: "g", Variants: []string{"on", "on"}}, "targeting.production.prerequisites[0].variants[1]"},
	}
	for _, c := range cases {
		f := flagOn("f", "", nil, &featureflags.Targeting{Prerequisites: []featureflags.Prerequisite{c.p}})
		if got := fieldOf(t, Validate(f, nil)); got != c.field {
			t.Errorf("%+v: field %q, want %q", c.p, got, c.field)
		}
	}
}

func BenchmarkEvaluatePrerequisites(b *testing.B) {
	snap := mustCompile(b, prereqFlags())
	ctx := Context{"beta": true, "country": "NZ"}
	b.ReportAllocs()
	for b.Loop() {
		snap.Evaluate(prod, "banner", ctx)
	}
}
