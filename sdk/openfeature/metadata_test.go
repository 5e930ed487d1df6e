package openfeature_test

import (
	"context"
	"testing"

	of "github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/stream/streamtest"
	"github.com/featureflags/featureflags/sdk"
	"github.com/featureflags/featureflags/sdk/openfeature"
)

// described is checkout with an owner, a kind, tags and a version.
func described() *featureflags.Flag {
	f := flags(true)[0]
	f.Owner, f.Kind, f.Tags, f.Version = "team-checkout", featureflags.KindRelease, []string{"web", "eu"}, 2
	return f
}

// The provider passes the flag's metadata on as OpenFeature flag metadata,
// as the server's OFREP answers carry it (strings, and the version as a
// number), in successes and failures of a flag that exists, and follows
// changes.
func TestProviderFlagMetadata(t *testing.T) {
	s := streamtest.New(t, append(flags(true)[1:], described()), nil)
	s.Start("")
	api := isolated.NewAPI()
	events := listen(api)
	ctx := context.Background()
	if err := api.SetProviderAndWait(ctx, openfeature.NewProvider(sdk.Options{URL: s.URL(), Key: streamtest.ServerKey})); err != nil {
		t.Fatal(err)
	}
	defer api.Shutdown(ctx)
	client := api.NewClient()
	check := func(what string, d of.BooleanEvaluationDetails, owner string, version float64) {
		t.Helper()
		gotOwner, _ := d.FlagMetadata.GetString("owner")
		kind, _ := d.FlagMetadata.GetString("kind")
		tags, _ := d.FlagMetadata.GetString("tags")
		gotVersion, err := d.FlagMetadata.GetFloat("version")
		if gotOwner != owner || kind != "release" || tags != "web,eu" || gotVersion != version || err != nil || len(d.FlagMetadata) != 4 {
			t.Errorf("%s: flag metadata %v (%v)", what, d.FlagMetadata, err)
		}
	}

	d, err := client.BooleanValueDetails(ctx, "checkout", false, of.NewEvaluationContext("u", map[string]any{"country": "NZ"}))
	if err != nil || !d.Value {
		t.Fatalf("%+v %v", d, err)
	}
	check("match", d, "team-checkout", 2)
	d, err = client.BooleanValueDetails(ctx, "checkout", false, of.NewTargetlessEvaluationContext(nil))
	if err == nil || d.ErrorCode != of.TargetingKeyMissingCode {
		t.Fatalf("no targeting key: %+v %v", d, err)
	}
	check("failure", d, "team-checkout", 2)
	if d, _ := client.BooleanValueDetails(ctx, "limit", false, of.NewEvaluationContext("u", nil)); d.ErrorCode != of.TypeMismatchCode || len(d.FlagMetadata) != 1 {
		t.Errorf("mismatch of a bare flag: %+v", d)
	}
	if d, _ := client.BooleanValueDetails(ctx, "nope", false, of.NewEvaluationContext("u", nil)); d.ErrorCode != of.FlagNotFoundCode || len(d.FlagMetadata) != 0 {
		t.Errorf("unknown flag: %+v", d)
	}

	// Callers get a copy: changing one leaves the flag's alone.
	match := of.NewEvaluationContext("u", map[string]any{"country": "NZ"})
	d, _ = client.BooleanValueDetails(ctx, "checkout", false, match)
	d.FlagMetadata["owner"] = "someone else"
	d, _ = client.BooleanValueDetails(ctx, "checkout", false, match)
	check("after a caller's change", d, "team-checkout", 2)

	changed := described()
	changed.Owner = "team-payments"
	rev := s.Commit("", changed) // the revision becomes the flag's version
	waitFor(t, events, of.ProviderConfigChange)
	d, _ = client.BooleanValueDetails(ctx, "checkout", false, match)
	check("after the flag changed", d, "team-payments", float64(rev))
}

// Evaluating through the provider allocates nothing, metadata included;
// OpenFeature's client then copies the metadata and builds its details.
func TestProviderEvaluationDoesNotAllocate(t *testing.T) {
	p, flat := benchProvider(t)
	if d := p.BooleanEvaluation(context.Background(), "checkout", false, flat); d.Reason != of.SplitReason || len(d.FlagMetadata) != 4 {
		t.Fatalf("%+v", d)
	}
	if n := testing.AllocsPerRun(100, func() { p.BooleanEvaluation(context.Background(), "checkout", false, flat) }); n != 0 {
		t.Errorf("%v allocations per evaluation", n)
	}
}

// benchProvider is a provider over a client of a real stream, serving
// described, and a context that reaches its rollout.
func benchProvider(tb testing.TB) (*openfeature.Provider, of.FlattenedContext) {
	s := streamtest.New(tb, []*featureflags.Flag{described()}, nil)
	s.Start("")
	c, err := sdk.New(context.Background(), sdk.Options{URL: s.URL(), Key: streamtest.ServerKey, DisableUsage: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return openfeature.NewProviderWithClient(c), of.FlattenedContext{"targetingKey": "user-12345", "country": "US"}
}

// BenchmarkProviderBool evaluates through the provider, as OpenFeature's
// client calls it; BenchmarkClientBool through OpenFeature's client.
func BenchmarkProviderBool(b *testing.B) {
	p, flat := benchProvider(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p.BooleanEvaluation(ctx, "checkout", false, flat)
	}
}

func BenchmarkClientBool(b *testing.B) {
	p, _ := benchProvider(b)
	api := isolated.NewAPI()
	ctx := context.Background()
	if err := api.SetProviderAndWait(ctx, p); err != nil {
		b.Fatal(err)
	}
	defer api.Shutdown(ctx)
	client := api.NewClient()
	evalCtx := of.NewEvaluationContext("user-12345", map[string]any{"country": "US"})
	b.ReportAllocs()
	for b.Loop() {
		client.BooleanValueDetails(ctx, "checkout", false, evalCtx)
	}
}
