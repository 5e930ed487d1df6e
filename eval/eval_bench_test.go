package eval

import (
	"strconv"
	"testing"

	"github.com/featureflags/featureflags"
)

// benchFlag is a boolean flag with five realistic rules, none of which
// matches benchContext, and a 30/70 rollout as the default serve.
func benchFlag(id string) *featureflags.Flag {
	return flagOn(id, "", nil, &featureflags.Targeting{
		Rules: []featureflags.Rule{
			serveRule("on", cond("country", "eq", "NZ")),
			serveRule("on", cond("plan", "in", []any{"enterprise", "business", "team"})),
			serveRule("on", cond("age", "gte", 65.0)),
			serveRule("off", cond("appVersion", "semverLt", "2.0.0")),
			serveRule("on", cond("email", "endsWith", "@example.com"), cond("beta", "eq", true)),
		},
		DefaultServe: split("", "on", 30.0, "off", 70.0),
	})
}

func benchContext(key string) Context {
	return Context{
		"targetingKey": key,
		"country":      "US",
		"plan":         "free",
		"age":          30.0,
		"appVersion":   "2.3.1",
		"email":        "jane@acme.io",
		"beta":         false,
	}
}

// benchSnapshot compiles n flags of assorted shapes.
func benchSnapshot(tb testing.TB, n int) (*Snapshot, []string) {
	var flags []*featureflags.Flag
	for i := 0; i < n; i++ {
		id := "65f1c0ffee" + strconv.Itoa(1_000_000+i)
		switch i % 4 {
		case 0:
			flags = append(flags, benchFlag(id))
		case 1:
			flags = append(flags, flagOn(id, "", nil, nil))
		case 2:
			flags = append(flags, flagOn(id, featureflags.TypeString, map[string]any{"a": "A", "b": "B"}, &featureflags.Targeting{
				Rules:        []featureflags.Rule{serveRule("b", cond("country", "in", []any{"NZ", "AU"}))},
				DefaultServe: &featureflags.Serve{Variant: "a"},
			}))
		case 3:
			flags = append(flags, flagOn(id, featureflags.TypeNumber, map[string]any{"low": 1, "high": 100}, &featureflags.Targeting{
				DefaultServe: split("", "low", 50.0, "high", 50.0),
			}))
		}
	}
	snap := mustCompile(tb, flags)
	return snap, snap.Keys(prod)
}

func BenchmarkEvaluate(b *testing.B) {
	snap := mustCompile(b, []*featureflags.Flag{benchFlag("65f1c0ffee0000000000abcd")})
	ctx := benchContext("user-12345")
	if r := snap.Evaluate(prod, "65f1c0ffee0000000000abcd", ctx); r.Reason != ReasonSplit {
		b.Fatalf("benchmark flag: %+v", r)
	}
	b.ReportAllocs()
	for b.Loop() {
		snap.Evaluate(prod, "65f1c0ffee0000000000abcd", ctx)
	}
}

// BenchmarkEvaluatePrepared is BenchmarkEvaluate with the context prepared
// once: the attributes are read from the prepared memo, not the map.
func BenchmarkEvaluatePrepared(b *testing.B) {
	snap := mustCompile(b, []*featureflags.Flag{benchFlag("65f1c0ffee0000000000abcd")})
	p := Prepare(benchContext("user-12345"))
	if r := snap.EvaluatePrepared(prod, "65f1c0ffee0000000000abcd", p); r.Reason != ReasonSplit {
		b.Fatalf("benchmark flag: %+v", r)
	}
	b.ReportAllocs()
	for b.Loop() {
		snap.EvaluatePrepared(prod, "65f1c0ffee0000000000abcd", p)
	}
}

// BenchmarkPrepare is what preparing benchContext costs, with the names
// benchFlag tests interned.
func BenchmarkPrepare(b *testing.B) {
	mustCompile(b, []*featureflags.Flag{benchFlag("f")})
	ctx := benchContext("user-12345")
	b.ReportAllocs()
	for b.Loop() {
		Prepare(ctx)
	}
}

func BenchmarkEvaluateFirstRuleMatches(b *testing.B) {
	snap := mustCompile(b, []*featureflags.Flag{benchFlag("f")})
	ctx := benchContext("user-12345")
	ctx["country"] = "NZ"
	if r := snap.Evaluate(prod, "f", ctx); r.Reason != ReasonTargetingMatch {
		b.Fatalf("benchmark flag: %+v", r)
	}
	b.ReportAllocs()
	for b.Loop() {
		snap.Evaluate(prod, "f", ctx)
	}
}

func BenchmarkEvaluateAll1000(b *testing.B) {
	snap, _ := benchSnapshot(b, 1000)
	ctx := benchContext("user-12345")
	dst := snap.EvaluateAll(prod, ctx, nil)
	if len(dst) != 1000 {
		b.Fatalf("%d results", len(dst))
	}
	b.ReportAllocs()
	for b.Loop() {
		dst = snap.EvaluateAll(prod, ctx, dst[:0])
	}
}

func BenchmarkCompile1000(b *testing.B) {
	var flags []*featureflags.Flag
	for i := 0; i < 1000; i++ {
		flags = append(flags, benchFlag(strconv.Itoa(i)))
	}
	b.ReportAllocs()
	for b.Loop() {
		Compile(flags, nil, testEnvs, 1)
	}
}

// BenchmarkEvaluateCounting and BenchmarkEvaluateNotCounting measure what
// counting usage costs, in the same run.
func BenchmarkEvaluateCounting(b *testing.B) {
	benchResolve(b, mustCompile(b, []*featureflags.Flag{benchFlag("f")}))
}

func BenchmarkEvaluateNotCounting(b *testing.B) {
	benchResolve(b, mustCompile(b, []*featureflags.Flag{benchFlag("f")}).WithoutCounting())
}

func benchResolve(b *testing.B, snap *Snapshot) {
	ctx := benchContext("user-12345")
	b.ReportAllocs()
	for b.Loop() {
		snap.Resolve(prod, "f", ctx)
	}
}

// BenchmarkContextLookups is the part of BenchmarkEvaluate that no
// evaluator reading a Context can avoid: one lookup in the context map of
// each attribute the flag tests (five conditions and the rollout's).
func BenchmarkContextLookups(b *testing.B) {
	ctx := benchContext("user-12345")
	names := []string{"country", "plan", "age", "appVersion", "email", "targetingKey"}
	found := 0
	b.ReportAllocs()
	for b.Loop() {
		for _, k := range names {
			if ctx[k] != nil {
				found++
			}
		}
	}
	if found != len(names)*b.N {
		b.Fatalf("found %d attributes in %d runs", found, b.N)
	}
}
