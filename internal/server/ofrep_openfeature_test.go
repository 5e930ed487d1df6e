package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/open-feature/go-sdk-contrib/providers/ofrep"
	of "github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"
)

// ofClient returns an OpenFeature client on the OFREP provider for the
// server, in its own API instance; headers are name, value pairs the
// provider sends (X-Environment picks the environment).
func ofClient(t *testing.T, s *ofrepServer, headers ...string) *of.Client {
	t.Helper()
	opts := []ofrep.Option{ofrep.WithClient(&http.Client{})}
	for i := 0; i+1 < len(headers); i += 2 {
		opts = append(opts, ofrep.WithHeader(headers[i], headers[i+1]))
	}
	api := isolated.NewAPI()
	if err := api.SetProviderAndWait(t.Context(), ofrep.NewProvider(s.URL(), opts...)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Shutdown(context.Background()) })
	return api.NewClient()
}

// checkDetails checks what the SDK reports besides the value.
func checkDetails(t *testing.T, what string, d of.ResolutionDetail, reason of.Reason, variant string, code of.ErrorCode) {
	t.Helper()
	if d.Reason != reason || d.Variant != variant || d.ErrorCode != code {
		t.Fatalf("%s: reason %q variant %q error %q (%s), want reason %q variant %q error %q",
			what, d.Reason, d.Variant, d.ErrorCode, d.ErrorMessage, reason, variant, code)
	}
}

func TestOFREPOpenFeature(t *testing.T) {
	s := newOFREPServer(t)
	seedOFREP(s)
	s.createFlag(map[string]any{"name": "count", "type": "number", "variants": map[string]any{"v": 42}, "environments": map[string]bool{"production": true}})
	s.createFlag(map[string]any{"name": "ratio", "type": "number", "variants": map[string]any{"v": 0.25}, "environments": map[string]bool{"production": true}})
	ctx := t.Context()
	prod := ofClient(t, s)
	none := of.EvaluationContext{}
	nz := of.NewTargetlessEvaluationContext(map[string]any{"country": "NZ"})

	// Booleans.
	b, err := prod.BooleanValueDetails(ctx, "static-on", false, none)
	if err != nil || !b.Value {
		t.Fatalf("static-on: %v, %v", b.Value, err)
	}
	checkDetails(t, "static-on", b.ResolutionDetail, of.StaticReason, "on", "")

	// Strings, by targeting.
	str, err := prod.StringValueDetails(ctx, "greeting", "default", nz)
	if err != nil || str.Value != "Kia ora \"friend\"\n\t<&> é \u2028 ✓" {
		t.Fatalf("greeting for NZ: %q, %v", str.Value, err)
	}
	checkDetails(t, "greeting for NZ", str.ResolutionDetail, of.TargetingMatchReason, "fancy", "")
	str, err = prod.StringValueDetails(ctx, "greeting", "default", of.NewEvaluationContext("user-1", map[string]any{"country": "US"}))
	if err != nil || str.Value != "Hello" {
		t.Fatalf("greeting for US: %q, %v", str.Value, err)
	}
	checkDetails(t, "greeting for US", str.ResolutionDetail, of.DefaultReason, "plain", "")

	// Numbers: integers and floats.
	i, err := prod.IntValueDetails(ctx, "count", -1, none)
	if err != nil || i.Value != 42 {
		t.Fatalf("count as int: %d, %v", i.Value, err)
	}
	checkDetails(t, "count as int", i.ResolutionDetail, of.StaticReason, "v", "")
	f, err := prod.FloatValueDetails(ctx, "ratio", -1, none)
	if err != nil || f.Value != 0.25 {
		t.Fatalf("ratio: %v, %v", f.Value, err)
	}
	if f, err := prod.FloatValue(ctx, "count", -1, none); err != nil || f != 42 {
		t.Fatalf("count as float: %v, %v", f, err)
	}

	// Objects.
	o, err := prod.ObjectValueDetails(ctx, "layout", nil, none)
	if err != nil || !jsonEqual(o.Value, map[string]any{"columns": 3, "dense": true, "tags": []any{"a", nil, 1.5}, "nested": map[string]any{"z": "x", "a": "y"}}) {
		t.Fatalf("layout: %v, %v", o.Value, err)
	}
	checkDetails(t, "layout", o.ResolutionDetail, of.StaticReason, "grid", "")

	// Not found; type mismatch (the provider checks the type).
	b, err = prod.BooleanValueDetails(ctx, "nope", true, none)
	if err == nil || !b.Value {
		t.Fatalf("nope: %v, %v", b.Value, err)
	}
	checkDetails(t, "nope", b.ResolutionDetail, of.ErrorReason, "", of.FlagNotFoundCode)
	b, err = prod.BooleanValueDetails(ctx, "greeting", true, nz)
	if err == nil || !b.Value {
		t.Fatalf("greeting as boolean: %v, %v", b.Value, err)
	}
	checkDetails(t, "greeting as boolean", b.ResolutionDetail, of.ErrorReason, "", of.TypeMismatchCode)
	i, err = prod.IntValueDetails(ctx, "ratio", 7, none)
	if err == nil || i.Value != 7 {
		t.Fatalf("ratio as int: %v, %v", i.Value, err)
	}
	checkDetails(t, "ratio as int", i.ResolutionDetail, of.ErrorReason, "", of.TypeMismatchCode)

	// Disabled: the provider serves the caller's default and says why.
	b, err = prod.BooleanValueDetails(ctx, "dev-only", true, none)
	if err != nil || !b.Value {
		t.Fatalf("dev-only in production: %v, %v", b.Value, err)
	}
	checkDetails(t, "dev-only in production", b.ResolutionDetail, of.DisabledReason, "off", "")

	// Rollouts: the same targeting key, the same variant; a missing key
	// is TARGETING_KEY_MISSING.
	variants := map[string]bool{}
	for _, user := range []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"} {
		evalCtx := of.NewEvaluationContext(user, map[string]any{"plan": "free"})
		first, err := prod.FloatValueDetails(ctx, "limit", -1, evalCtx)
		if err != nil {
			t.Fatal(err)
		}
		checkDetails(t, "limit for "+user, first.ResolutionDetail, of.SplitReason, first.Variant, "")
		want := map[string]float64{"low": 10, "high": 2.5}[first.Variant]
		if first.Value != want {
			t.Fatalf("limit for %s: variant %q value %v", user, first.Variant, first.Value)
		}
		for range 3 {
			again, err := prod.FloatValueDetails(ctx, "limit", -1, evalCtx)
			if err != nil || again.Variant != first.Variant || again.Value != first.Value {
				t.Fatalf("limit for %s moved: %+v then %+v (%v)", user, first, again, err)
			}
		}
		variants[first.Variant] = true
	}
	if len(variants) != 2 {
		t.Fatalf("ten users all got %v", variants)
	}
	f, err = prod.FloatValueDetails(ctx, "limit", -1, nz)
	if err == nil || f.Value != -1 {
		t.Fatalf("limit without a key: %v, %v", f.Value, err)
	}
	checkDetails(t, "limit without a key", f.ResolutionDetail, of.ErrorReason, "", of.TargetingKeyMissingCode)

	// The environment travels in a header the provider is configured with.
	dev := ofClient(t, s, "X-Environment", "development")
	b, err = dev.BooleanValueDetails(ctx, "dev-only", false, none)
	if err != nil || !b.Value {
		t.Fatalf("dev-only in development: %v, %v", b.Value, err)
	}
	checkDetails(t, "dev-only in development", b.ResolutionDetail, of.StaticReason, "on", "")
	moon := ofClient(t, s, "X-Environment", "moon")
	b, err = moon.BooleanValueDetails(ctx, "static-on", false, none)
	if err == nil || b.Value {
		t.Fatalf("unknown environment: %v, %v", b.Value, err)
	}
	checkDetails(t, "unknown environment", b.ResolutionDetail, of.ErrorReason, "", of.GeneralCode)

	// A toggle through the API is what the next evaluation sees.
	s.toggle("static-on", "production")
	b, err = prod.BooleanValueDetails(ctx, "static-on", true, none)
	if err != nil || !b.Value { // disabled: the default
		t.Fatalf("static-on after toggle: %v, %v", b.Value, err)
	}
	checkDetails(t, "static-on after toggle", b.ResolutionDetail, of.DisabledReason, "off", "")
}
