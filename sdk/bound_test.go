package sdk

import (
	"maps"
	"reflect"
	"testing"

	"github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/stream/streamtest"
	"github.com/featureflags/featureflags/wire"
)

// sameBound checks that c.For(ctx) answers each typed method for key
// exactly as c does for ctx: value, variant, reason, error and metadata.
func sameBound(t *testing.T, c *Client, key string, ctx Context) {
	t.Helper()
	u := c.For(ctx)
	for _, m := range []struct {
		name      string
		got, want any
	}{
		{"Bool", u.Bool(key, true), c.Bool(key, true, ctx)},
		{"String", u.String(key, "d"), c.String(key, "d", ctx)},
		{"Float", u.Float(key, 1.5), c.Float(key, 1.5, ctx)},
		{"Int", u.Int(key, 7), c.Int(key, 7, ctx)},
		{"Object", u.Object(key, "d"), c.Object(key, "d", ctx)},
	} {
		if !reflect.DeepEqual(m.got, m.want) {
			t.Errorf("%s(%q) bound to %v: %+v, unbound %+v", m.name, key, ctx, m.got, m.want)
		}
	}
}

// Bound methods answer as the Client's for every flag, context and type
// asked: matches, rollouts, segments, defaults, type mismatches, missing
// flags and keys, flags that do not compile, disabled flags.
func TestBoundAgreesWithClient(t *testing.T) {
	s := streamtest.New(t, testFlags(), testSegments())
	s.Start("")
	c := newClient(t, fastOptions(s.URL()))
	for _, f := range append(testFlags(), &featureflags.Flag{Name: "nope"}) {
		for _, ctx := range testContexts() {
			sameBound(t, c, f.Name, ctx)
		}
		sameBound(t, c, f.Name, nil)
	}
	u := c.For(Context{"targetingKey": "u"})
	if r := u.String("checkout", "d"); r.ErrorCode != ErrorTypeMismatch || r.Value != "d" || r.Metadata == nil {
		t.Errorf("bool as string: %+v", r)
	}
	if r := u.Int("limit", 0); r.Value != 1000 || r.Variant != "big" || r.Reason != ReasonStatic {
		t.Errorf("Int: %+v", r)
	}
	if r := u.Int("ratio", 7); r.ErrorCode != ErrorTypeMismatch || r.Value != 7 {
		t.Errorf("fraction as int: %+v", r)
	}
}

// Without a configuration a bound client answers the caller's default,
// PROVIDER_NOT_READY, as the client does.
func TestBoundNotReady(t *testing.T) {
	ctx := Context{"targetingKey": "u"}
	for _, c := range []*Client{nil, {}} {
		if r := c.For(ctx).Bool("checkout", true); !r.Value || r.Reason != ReasonError || r.ErrorCode != ErrorProviderNotReady {
			t.Errorf("client %v: %+v", c, r)
		}
		sameBound(t, c, "checkout", ctx)
	}
}

// A bound client evaluates with the client's configuration of the moment:
// changes made after For apply, flags created since included, even when
// they test an attribute no flag tested when the context was bound.
func TestBoundFollowsConfiguration(t *testing.T) {
	s := streamtest.New(t, testFlags(), testSegments())
	s.Start("")
	c := newClient(t, fastOptions(s.URL()))
	events, cancel := c.Subscribe(64)
	defer cancel()
	ctx := Context{"targetingKey": "user-1", "country": "NZ", "boundLaterAttribute": map[string]any{"tier": "gold"}}
	u := c.For(ctx)
	if r := u.Bool("checkout", false); !r.Value || r.Reason != ReasonTargetingMatch {
		t.Fatalf("before the change: %+v", r)
	}
	waitEvent(t, events, "toggle", isConfig(s.Commit("", checkout(false))))
	if r := u.Bool("checkout", true); r.Value || r.Reason != ReasonDisabled {
		t.Errorf("after toggling off: %+v", r)
	}
	later := &featureflags.Flag{ID: "n1", Name: "later", Environments: map[string]bool{prod: true},
		Targeting: map[string]*featureflags.Targeting{prod: {
			Rules:        []featureflags.Rule{{Conditions: []featureflags.Condition{cond("boundLaterAttribute.tier", "eq", "gold")}, Serve: featureflags.Serve{Variant: "on"}}},
			DefaultServe: &featureflags.Serve{Variant: "off"},
		}}}
	waitEvent(t, events, "new flag", isConfig(s.Commit("", later)))
	if r := u.Bool("later", false); !r.Value || r.Reason != ReasonTargetingMatch {
		t.Errorf("a flag created after For: %+v", r)
	}
	sameBound(t, c, "later", ctx)
}

// Bound evaluations are counted as the client's are.
func TestBoundCountsUsage(t *testing.T) {
	s := streamtest.New(t, testFlags(), testSegments())
	s.Start("")
	c := newClient(t, fastOptions(s.URL()))
	c.drainUsage()
	counted := func(eval func(key string, ctx Context)) map[wire.UsageCount]bool {
		for _, ctx := range testContexts() {
			for _, key := range []string{"checkout", "banner", "nope"} {
				eval(key, ctx)
			}
		}
		counts := map[wire.UsageCount]bool{}
		for _, n := range c.drainUsage() {
			counts[n] = true
		}
		return counts
	}
	unbound := counted(func(key string, ctx Context) { c.String(key, "", ctx) })
	bound := counted(func(key string, ctx Context) { c.For(ctx).String(key, "") })
	if len(unbound) == 0 || !maps.Equal(bound, unbound) {
		t.Errorf("bound counts %v, unbound %v", bound, unbound)
	}
}

// Evaluating through a bound client allocates nothing, as through the
// client.
func TestBoundEvaluatesWithoutAllocating(t *testing.T) {
	s := streamtest.New(t, testFlags(), testSegments())
	s.Start("")
	c := newClient(t, fastOptions(s.URL()))
	ctx := benchContext()
	u := c.For(ctx)
	for name, eval := range map[string]func(){
		"Bool":         func() { u.Bool("checkout", false) },
		"String":       func() { u.String("banner", "") },
		"Int":          func() { u.Int("limit", 0) },
		"Object":       func() { u.Object("theme", nil) },
		"Client.Bool":  func() { c.Bool("checkout", false, ctx) },
		"Client.Float": func() { c.Float("limit", 0, ctx) },
	} {
		if n := testing.AllocsPerRun(100, eval); n != 0 {
			t.Errorf("%s: %v allocations per evaluation", name, n)
		}
	}
}
