package openfeature_test

import (
	"context"
	"net"
	"reflect"
	"slices"
	"testing"
	"time"

	of "github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/stream/streamtest"
	"github.com/featureflags/featureflags/sdk"
	"github.com/featureflags/featureflags/sdk/openfeature"
)

const wait = 10 * time.Second

func flags(prodOn bool) []*featureflags.Flag {
	rule := func(attr, op string, v any, variant string) featureflags.Rule {
		return featureflags.Rule{Conditions: []featureflags.Condition{{Attribute: attr, Operator: op, Value: v}}, Serve: featureflags.Serve{Variant: variant}}
	}
	return []*featureflags.Flag{
		{ID: "c1", Name: "checkout", Environments: map[string]bool{"production": prodOn},
			Targeting: map[string]*featureflags.Targeting{"production": {
				Rules:        []featureflags.Rule{rule("country", "eq", "NZ", "on")},
				DefaultServe: &featureflags.Serve{Rollout: &featureflags.Rollout{Variants: []featureflags.WeightedVariant{{Variant: "on", Weight: 50}, {Variant: "off", Weight: 50}}}},
			}}},
		{ID: "b1", Name: "banner", Type: featureflags.TypeString, Variants: map[string]any{"a": "Hello", "b": "Hi"},
			Environments: map[string]bool{"production": true},
			Targeting:    map[string]*featureflags.Targeting{"production": {Rules: []featureflags.Rule{rule("plan", "eq", "pro", "b")}}}},
		{ID: "l1", Name: "limit", Type: featureflags.TypeNumber, Variants: map[string]any{"n": 42.0}, Environments: map[string]bool{"production": true}},
		{ID: "r1", Name: "ratio", Type: featureflags.TypeNumber, Variants: map[string]any{"x": 0.5}, Environments: map[string]bool{"production": true}},
		{ID: "t1", Name: "theme", Type: featureflags.TypeObject, Variants: map[string]any{"blue": map[string]any{"color": "blue"}}, Environments: map[string]bool{"production": true}},
		{ID: "x1", Name: "broken", Environments: map[string]bool{"production": true},
			Targeting: map[string]*featureflags.Targeting{"production": {Rules: []featureflags.Rule{{
				Conditions: []featureflags.Condition{{Operator: "inSegment", Value: "deleted"}}, Serve: featureflags.Serve{Variant: "on"}}}}}},
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type event struct {
	typ of.EventType
	of.EventDetails
}

// listen records the API's provider events of every type.
func listen(api *of.EvaluationAPI) <-chan event {
	c := make(chan event, 100)
	for _, typ := range []of.EventType{of.ProviderReady, of.ProviderConfigChange, of.ProviderStale, of.ProviderError} {
		cb := func(d of.EventDetails) { c <- event{typ, d} }
		api.AddHandler(typ, &cb)
	}
	return c
}

func waitFor(t *testing.T, c <-chan event, typ of.EventType) event {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case ev := <-c:
			if ev.typ == typ {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s in time", typ)
		}
	}
}

func TestProviderEndToEnd(t *testing.T) {
	s := streamtest.New(t, flags(true), nil)
	addr := s.Start(freeAddr(t))
	p := openfeature.NewProvider(sdk.Options{URL: s.URL(), Key: streamtest.ServerKey, MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	api := isolated.NewAPI()
	events := listen(api)
	ctx := context.Background()
	if err := api.SetProviderAndWait(ctx, p); err != nil {
		t.Fatal(err)
	}
	defer api.Shutdown(ctx)
	waitFor(t, events, of.ProviderReady)
	client := api.NewClient()
	if client.State() != of.ReadyState {
		t.Fatalf("state %s", client.State())
	}

	nz := of.NewEvaluationContext("user-1", map[string]any{"country": "NZ", "plan": "pro"})
	b, err := client.BooleanValueDetails(ctx, "checkout", false, nz)
	if err != nil || !b.Value || b.Variant != "on" || b.Reason != of.TargetingMatchReason {
		t.Fatalf("boolean: %+v %v", b, err)
	}
	if sv, err := client.StringValueDetails(ctx, "banner", "d", nz); err != nil || sv.Value != "Hi" || sv.Reason != of.TargetingMatchReason {
		t.Fatalf("string: %+v %v", sv, err)
	}
	if fv, err := client.FloatValueDetails(ctx, "ratio", 0, nz); err != nil || fv.Value != 0.5 || fv.Reason != of.StaticReason {
		t.Fatalf("float: %+v %v", fv, err)
	}
	if iv, err := client.IntValueDetails(ctx, "limit", 0, nz); err != nil || iv.Value != 42 {
		t.Fatalf("int: %+v %v", iv, err)
	}
	if ov, err := client.ObjectValueDetails(ctx, "theme", nil, nz); err != nil || !reflect.DeepEqual(ov.Value, map[string]any{"color": "blue"}) {
		t.Fatalf("object: %+v %v", ov, err)
	}
	for _, tc := range []struct {
		name string
		eval func() (any, of.ResolutionDetail, error)
		code of.ErrorCode
		def  any
	}{
		{"missing", func() (any, of.ResolutionDetail, error) {
			d, err := client.BooleanValueDetails(ctx, "nope", true, nz)
			return d.Value, d.ResolutionDetail, err
		}, of.FlagNotFoundCode, true},
		{"mismatch", func() (any, of.ResolutionDetail, error) {
			d, err := client.BooleanValueDetails(ctx, "banner", true, nz)
			return d.Value, d.ResolutionDetail, err
		}, of.TypeMismatchCode, true},
		{"fraction as int", func() (any, of.ResolutionDetail, error) {
			d, err := client.IntValueDetails(ctx, "ratio", 3, nz)
			return d.Value, d.ResolutionDetail, err
		}, of.TypeMismatchCode, int64(3)},
		{"parse", func() (any, of.ResolutionDetail, error) {
			d, err := client.BooleanValueDetails(ctx, "broken", true, nz)
			return d.Value, d.ResolutionDetail, err
		}, of.ParseErrorCode, true},
		{"no targeting key", func() (any, of.ResolutionDetail, error) {
			d, err := client.BooleanValueDetails(ctx, "checkout", true, of.NewTargetlessEvaluationContext(nil))
			return d.Value, d.ResolutionDetail, err
		}, of.TargetingKeyMissingCode, true},
	} {
		v, d, err := tc.eval()
		if err == nil || d.ErrorCode != tc.code || d.Reason != of.ErrorReason || v != tc.def {
			t.Errorf("%s: %v %+v %v, want %s and the default", tc.name, v, d, err, tc.code)
		}
	}

	// A change is a configuration-changed event naming the flag.
	s.Commit("", flags(false)[0])
	if ev := waitFor(t, events, of.ProviderConfigChange); !slices.Equal(ev.FlagChanges, []string{"checkout"}) {
		t.Fatalf("changed flags %v", ev.FlagChanges)
	}
	if b, _ = client.BooleanValueDetails(ctx, "checkout", true, nz); b.Value || b.Reason != of.DisabledReason {
		t.Fatalf("after the change: %+v", b)
	}

	// Losing the service is stale; getting it back is ready.
	s.Stop()
	waitFor(t, events, of.ProviderStale)
	if client.State() != of.StaleState {
		t.Fatalf("state %s", client.State())
	}
	s.Start(addr)
	waitFor(t, events, of.ProviderReady)
	if client.State() != of.ReadyState {
		t.Fatalf("state %s", client.State())
	}

	if err := api.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if p.Client() != nil {
		t.Fatal("Shutdown kept the client")
	}
}

func TestProviderInitError(t *testing.T) {
	s := streamtest.New(t, flags(true), nil)
	s.Start("")
	p := openfeature.NewProvider(sdk.Options{URL: s.URL(), Key: streamtest.ClientKey})
	api := isolated.NewAPI()
	events := listen(api)
	if err := api.SetProviderAndWait(context.Background(), p); err == nil {
		t.Fatal("a client key initialised the provider")
	}
	waitFor(t, events, of.ProviderError)
	if st := api.NewClient().State(); st != of.ErrorState {
		t.Fatalf("state %s", st)
	}
}

func TestProviderNotInitialised(t *testing.T) {
	p := openfeature.NewProvider(sdk.Options{URL: "http://127.0.0.1:1"})
	d := p.BooleanEvaluation(context.Background(), "checkout", true, nil)
	if !d.Value || d.Reason != of.ErrorReason || d.ResolutionDetail().ErrorCode != of.ProviderNotReadyCode {
		t.Fatalf("%+v", d)
	}
	if p.Metadata().Name != openfeature.Name || p.Hooks() != nil {
		t.Fatal("metadata")
	}
}

func TestProviderWithClient(t *testing.T) {
	s := streamtest.New(t, flags(true), nil)
	s.Start("")
	c, err := sdk.New(context.Background(), sdk.Options{URL: s.URL(), Key: streamtest.ServerKey})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	api := isolated.NewAPI()
	if err := api.SetProviderAndWait(context.Background(), openfeature.NewProviderWithClient(c)); err != nil {
		t.Fatal(err)
	}
	if v := api.NewClient().String(context.Background(), "banner", "d", of.NewEvaluationContext("u", nil)); v != "Hello" {
		t.Fatalf("got %q", v)
	}
	_ = api.Shutdown(context.Background())
	if c.State() != sdk.StateReady { // the caller's client stays open
		t.Fatalf("state %v", c.State())
	}
}
