package sdk

import (
	"context"
	"errors"
	"fmt"
	"github.com/featureflags/featureflags/internal/stream/streamtest"
	"reflect"
	"strings"
	"testing"

	"github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
)

// evaluate calls the typed method that fits typ and returns the result in
// eval's terms.
func evaluate(c *Client, key string, typ featureflags.FlagType, ctx Context) eval.Result {
	var r Result[any]
	switch typ {
	case featureflags.TypeString:
		x := c.String(key, "default", ctx)
		r = Result[any]{x.Value, x.Variant, x.Reason, x.ErrorCode, x.ErrorMessage, x.Metadata}
	case featureflags.TypeNumber:
		x := c.Float(key, -1, ctx)
		r = Result[any]{x.Value, x.Variant, x.Reason, x.ErrorCode, x.ErrorMessage, x.Metadata}
	case featureflags.TypeObject:
		r = c.Object(key, "default", ctx)
	default:
		x := c.Bool(key, false, ctx)
		r = Result[any]{x.Value, x.Variant, x.Reason, x.ErrorCode, x.ErrorMessage, x.Metadata}
	}
	if r.ErrorCode != "" {
		r.Value = nil // eval leaves the default to the caller
	}
	return eval.Result{Value: r.Value, Variant: r.Variant, Reason: r.Reason, ErrorCode: r.ErrorCode, Metadata: r.Metadata}
}

// sameAsEval checks every flag for every test context against eval on
// the service's full, unprojected flags, and the client bound to each
// context against the client.
func sameAsEval(t *testing.T, c *Client, s *streamtest.Service) {
	t.Helper()
	flags, segments, envs, rev := s.State()
	want := eval.Compile(flags, segments, envs, rev)
	if c.Revision() != want.Revision() {
		t.Fatalf("client at revision %d, service at %d", c.Revision(), want.Revision())
	}
	for _, f := range flags {
		for _, ctx := range testContexts() {
			w := want.Evaluate(prod, f.Name, ctx)
			got := evaluate(c, f.Name, f.Type, ctx)
			if got.Metadata.String() != w.Metadata.String() { // the flag's, in failures too
				t.Errorf("%s for %v: metadata %s, want %s", f.Name, ctx, got.Metadata, w.Metadata)
			}
			w = eval.Result{Value: w.Value, Variant: w.Variant, Reason: w.Reason, ErrorCode: w.ErrorCode}
			if got.Metadata = nil; !reflect.DeepEqual(got, w) {
				t.Errorf("%s for %v:\n got %+v\nwant %+v", f.Name, ctx, got, w)
			}
			sameBound(t, c, f.Name, ctx)
		}
	}
}

func TestSnapshotOnConnect(t *testing.T) {
	s := streamtest.New(t, testFlags(), testSegments())
	s.Start("")
	c := newClient(t, fastOptions(s.URL()))
	if c.State() != StateReady || c.Revision() != 1 || c.Environment() != prod || c.Err() != nil {
		t.Fatalf("state %v revision %d environment %q err %v", c.State(), c.Revision(), c.Environment(), c.Err())
	}
	sameAsEval(t, c, s)
	// Staging's rule is not in a production key's configuration.
	if r := c.Bool("checkout", true, Context{"targetingKey": "user-4", "secret": "staging-only", "country": "NZ"}); r.Reason != ReasonTargetingMatch || !r.Value {
		t.Fatalf("%+v", r)
	}
	c.mu.Lock()
	leaked := c.flags["checkout"].Targeting[staging] != nil
	c.mu.Unlock()
	if leaked {
		t.Fatal("the production configuration holds staging's targeting")
	}
}

func TestChangesApplied(t *testing.T) {
	s := streamtest.New(t, testFlags(), testSegments())
	s.Start("")
	c := newClient(t, fastOptions(s.URL()))
	events, cancel := c.Subscribe(64)
	defer cancel()

	rev := s.Commit("", checkout(false))
	ev := waitEvent(t, events, "toggle", isConfig(rev))
	if !reflect.DeepEqual(ev.Flags, []string{"checkout"}) {
		t.Fatalf("changed flags %v", ev.Flags)
	}
	if r := c.Bool("checkout", true, Context{"country": "NZ"}); r.Value || r.Reason != ReasonDisabled {
		t.Fatalf("after toggling off: %+v", r)
	}
	sameAsEval(t, c, s)

	renamed := checkout(true)
	renamed.Name = "checkout-v2"
	rev = s.Commit("checkout", renamed)
	if ev = waitEvent(t, events, "rename", isConfig(rev)); !reflect.DeepEqual(ev.Flags, []string{"checkout", "checkout-v2"}) {
		t.Fatalf("changed flags %v", ev.Flags)
	}
	if r := c.Bool("checkout", true, nil); r.ErrorCode != ErrorFlagNotFound {
		t.Fatalf("renamed flag still there: %+v", r)
	}
	rev = s.Commit("banner", nil)
	waitEvent(t, events, "delete", isConfig(rev))
	sameAsEval(t, c, s)

	// A segment change arrives as a snapshot: any flag may have changed.
	ctx := Context{"email": "jo@acme.io"}
	if c.Bool("beta", true, ctx).Value {
		t.Fatal("not yet in the segment")
	}
	rev = s.SetSegments([]*featureflags.Segment{{ID: "seg1", Name: "beta-users", Conditions: []featureflags.Condition{cond("email", "endsWith", "@acme.io")}, Version: 2}})
	if ev = waitEvent(t, events, "segment change", isConfig(rev)); ev.Flags != nil {
		t.Fatalf("segment change names flags %v", ev.Flags)
	}
	if r := c.Bool("beta", false, ctx); !r.Value || r.Reason != ReasonTargetingMatch {
		t.Fatalf("after the segment change: %+v", r)
	}
	sameAsEval(t, c, s)
}

func TestTypedMethodDefaults(t *testing.T) {
	s := streamtest.New(t, testFlags(), testSegments())
	s.Start("")
	c := newClient(t, fastOptions(s.URL()))
	ctx := Context{"targetingKey": "u"}
	check := func(name string, got any, code string, want any) {
		t.Helper()
		v := reflect.ValueOf(got)
		if v.FieldByName("ErrorCode").String() != code || v.FieldByName("Reason").String() != ReasonError ||
			!reflect.DeepEqual(v.FieldByName("Value").Interface(), want) || v.FieldByName("Variant").String() != "" {
			t.Errorf("%s: %+v, want %s and the default %v", name, got, code, want)
		}
	}
	check("missing flag", c.Bool("nope", true, ctx), ErrorFlagNotFound, true)
	check("string as bool", c.Bool("banner", true, ctx), ErrorTypeMismatch, true)
	check("bool as string", c.String("checkout", "d", ctx), ErrorTypeMismatch, "d")
	check("object as float", c.Float("theme", 1.5, ctx), ErrorTypeMismatch, 1.5)
	check("fraction as int", c.Int("ratio", 7, ctx), ErrorTypeMismatch, int64(7))
	check("number as object", c.Object("limit", "d", ctx), ErrorTypeMismatch, "d")
	check("rollout without key", c.Bool("checkout", true, nil), ErrorTargetingKeyMissing, true)
	check("unknown segment", c.Bool("broken", true, ctx), ErrorParse, true)
	var nilClient *Client
	check("nil client", nilClient.String("banner", "d", ctx), ErrorProviderNotReady, "d")

	if r := c.Int("limit", 0, ctx); r.Value != 1000 || r.Variant != "big" || r.Reason != ReasonStatic {
		t.Errorf("Int: %+v", r)
	}
	if r := c.Float("ratio", 0, ctx); r.Value != 0.25 {
		t.Errorf("Float: %+v", r)
	}
	if r := c.Object("theme", nil, Context{"country": "AU"}); !reflect.DeepEqual(r.Value, []any{"a", "b"}) || r.Reason != ReasonTargetingMatch {
		t.Errorf("Object: %+v", r)
	}
	if r := c.Bool("dark-launch", true, ctx); r.Value || r.Reason != ReasonDisabled || r.Variant != "off" {
		t.Errorf("disabled: %+v", r)
	}
	c.Close() // evaluation goes on from the last configuration
	if r := c.String("banner", "d", Context{"plan": "enterprise"}); r.Value != "Welcome, valued customer" {
		t.Errorf("after Close: %+v", r)
	}
}

func TestRefused(t *testing.T) {
	s := streamtest.New(t, testFlags(), nil)
	s.Start("")
	for _, o := range []Options{
		{URL: s.URL(), Key: clientKey},
		{URL: s.URL(), Key: "ffs_revoked"},
		{URL: s.URL(), Environment: "nope"},
		{URL: s.URL()}, // no key and no environment
	} {
		o.MinBackoff, o.MaxBackoff = 1, 1
		_, err := New(context.Background(), o)
		var se *statusError
		if !errors.As(err, &se) || se.Status < 400 || se.Message == "" {
			t.Errorf("New(%+v): %v", o, err)
		}
	}
	if _, err := New(context.Background(), Options{URL: "flags.example.com"}); err == nil || !strings.Contains(err.Error(), "URL") {
		t.Errorf("bad URL: %v", err)
	}
	// Without a key, X-Environment selects the environment.
	c := newClient(t, Options{URL: s.URL(), Environment: staging})
	if c.Environment() != staging || c.Bool("dark-launch", false, nil).Value != true {
		t.Fatal("X-Environment not used")
	}
}

func TestNewGivesUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(ctx, Options{URL: "http://" + freeAddr(t), MinBackoff: 1, MaxBackoff: 1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("New: %v", err)
	}
}

func TestBackoff(t *testing.T) {
	lo, hi := 100, 3000
	for attempt := 0; attempt < 40; attempt++ {
		want := hi
		if attempt < 5 {
			want = min(hi, lo<<attempt)
		}
		for range 50 {
			if d := int(backoff(attempt, 100, 3000)); d < want/2 || d > want {
				t.Fatalf("attempt %d: %d outside [%d, %d]", attempt, d, want/2, want)
			}
		}
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{StateReady: "ready", StateStale: "stale", StateError: "error", 0: "unknown"} {
		if fmt.Sprint(s) != want {
			t.Errorf("%d: %s", s, s)
		}
	}
}
