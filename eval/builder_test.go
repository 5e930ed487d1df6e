package eval

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/featureflags/featureflags"
)

// built prepares ctx with b, reused.
func built(b *Builder, ctx Context) *Prepared {
	b.Reset()
	for k, v := range ctx {
		if i := b.Slot(k); i != NoSlot {
			b.Set(i, k, v)
		}
	}
	return b.Prepared()
}

// TestBuilderAgreesWithMap: one Builder, reused for many random contexts
// (nested paths, absent, nil and mistyped values, segments,
// prerequisites, rollouts), evaluates every flag exactly as the map does:
// what Reset leaves of the previous context never shows.
func TestBuilderAgreesWithMap(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 31))
	flags, segs := agreeFlags(r, 150)
	snap := mustCompile(t, flags, segs...).WithoutCounting()
	var b Builder
	for range 300 {
		ctx := agreeContext(r)
		p := built(&b, ctx)
		for _, key := range snap.Keys(prod) {
			if got, want := snap.EvaluatePrepared(prod, key, p), snap.Evaluate(prod, key, ctx); !reflect.DeepEqual(got, want) {
				t.Fatalf("context %v, flag %s: built %+v, map %+v", ctx, key, got, want)
			}
		}
	}
}

// A Builder keeps the attributes some flag tests and drops the others,
// which no evaluation reads; Set again replaces a value, and Reset
// empties every slot it filled.
func TestBuilderKeepsTestedNames(t *testing.T) {
	snap := mustCompile(t, []*featureflags.Flag{benchFlag("f")})
	var b Builder
	b.Reset()
	if b.Slot("builderUntested") != NoSlot {
		t.Fatal("a name no flag tests has a slot")
	}
	i := b.Slot("country")
	if i == NoSlot {
		t.Fatal("country, which the flag tests, has no slot")
	}
	b.Set(i, "country", "US")
	b.Set(i, "country", "NZ")
	ctx := Context{"country": "NZ"}
	if got, want := snap.EvaluatePrepared(prod, "f", b.Prepared()), snap.Evaluate(prod, "f", ctx); got != want {
		t.Fatalf("built %+v, map %+v", got, want)
	}
	if b.p.rest != nil {
		t.Errorf("kept beside the memo: %v", b.p.rest)
	}
	b.Reset()
	for id, v := range b.p.memo.vals {
		if v != nil {
			t.Fatalf("slot %d holds %v after Reset", id, v)
		}
	}
}

// With the name table full, a name without a slot may be one past the
// bound that a flag tests: the Builder keeps it, and evaluation reads it.
func TestBuilderKeepsEveryNameWhenTheTableIsFull(t *testing.T) {
	full := make(map[string]uint32, maxNames)
	for i := range maxNames {
		full[fmt.Sprint("builderFull", i)] = uint32(i)
	}
	saved := names.published.Swap(&full)
	defer names.published.Store(saved)
	var b Builder
	b.Reset()
	a := attribute{name: "builderPastTheBound", id: unmemoized}
	b.Set(b.Slot(a.name), a.name, "x")
	if v := a.get(b.Prepared().view()); v != "x" {
		t.Fatalf("a name past the bound reads %v, want x", v)
	}
	b.Reset()
	if v := a.get(b.Prepared().view()); v != nil {
		t.Errorf("after Reset it reads %v", v)
	}
}

func TestBuilderAllocs(t *testing.T) {
	snap := mustCompile(t, []*featureflags.Flag{benchFlag("f")})
	ctx := benchContext("user-1")
	var b Builder
	built(&b, ctx)
	if n := testing.AllocsPerRun(100, func() { snap.EvaluatePrepared(prod, "f", built(&b, ctx)) }); n != 0 {
		t.Errorf("%v allocations to prepare and evaluate, reused", n)
	}
}
