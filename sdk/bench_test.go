package sdk

import (
	"github.com/featureflags/featureflags/internal/stream/streamtest"
	"testing"

	"github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
)

func benchContext() Context {
	return Context{"targetingKey": "user-12345", "country": "US", "plan": "free", "age": 30.0,
		"appVersion": "2.3.1", "email": "jane@acme.io", "beta": false}
}

// BenchmarkBool evaluates a boolean flag with five rules, none matching,
// and a 30/70 rollout, through a client fed by a real stream, counting
// usage; BenchmarkBoolNotCounting is the same with usage off.
func BenchmarkBool(b *testing.B) { benchBool(b, false) }

func BenchmarkBoolNotCounting(b *testing.B) { benchBool(b, true) }

func benchBool(b *testing.B, noUsage bool) {
	c := benchClient(b, noUsage)
	ctx := benchContext()
	if r := c.Bool("checkout", false, ctx); r.Reason != ReasonSplit {
		b.Fatalf("%+v", r)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Bool("checkout", false, ctx)
	}
}

// BenchmarkBoolBound is BenchmarkBool through a client bound to the
// context (For), counting usage; BenchmarkBoolBoundNotCounting without.
func BenchmarkBoolBound(b *testing.B) { benchBoolBound(b, false) }

func BenchmarkBoolBoundNotCounting(b *testing.B) { benchBoolBound(b, true) }

func benchBoolBound(b *testing.B, noUsage bool) {
	u := benchClient(b, noUsage).For(benchContext())
	if r := u.Bool("checkout", false); r.Reason != ReasonSplit {
		b.Fatalf("%+v", r)
	}
	b.ReportAllocs()
	for b.Loop() {
		u.Bool("checkout", false)
	}
}

// benchClient is a client fed by a real stream serving checkout.
func benchClient(b *testing.B, noUsage bool) *Client {
	s := streamtest.New(b, []*featureflags.Flag{checkout(true)}, nil)
	s.Start("")
	c, err := New(b.Context(), Options{URL: s.URL(), Key: serverKey, DisableUsage: noUsage})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkEvalDirect is the floor: the same evaluation on eval alone.
func BenchmarkEvalDirect(b *testing.B) {
	snap := eval.Compile([]*featureflags.Flag{checkout(true)}, nil, []string{prod}, 1)
	ctx := benchContext()
	b.ReportAllocs()
	for b.Loop() {
		snap.Evaluate(prod, "checkout", ctx)
	}
}
