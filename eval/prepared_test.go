package eval

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"sync"
	"testing"

	"github.com/featureflags/featureflags"
)

// checkPrepared evaluates and explains every flag of snap for ctx with the
// map and with ctx prepared, failing on any difference.
func checkPrepared(t *testing.T, snap *Snapshot, ctx Context) {
	t.Helper()
	p := Prepare(ctx)
	for _, key := range snap.Keys(prod) {
		want := snap.Evaluate(prod, key, ctx)
		if got := snap.EvaluatePrepared(prod, key, p); !reflect.DeepEqual(got, want) {
			t.Fatalf("context %v, flag %s: prepared %+v, map %+v", ctx, key, got, want)
		}
		if got := snap.ResolvePrepared(prod, key, p); got == nil || !reflect.DeepEqual(*got, want) {
			t.Fatalf("context %v, flag %s: ResolvePrepared %+v, map %+v", ctx, key, got, want)
		}
		wantX := snap.Explain(prod, key, ctx)
		if got := snap.explain(prod, key, p.view(), snap.EvaluatePrepared(prod, key, p)); !reflect.DeepEqual(got, wantX) {
			t.Fatalf("context %v, flag %s: prepared explanation %+v, map %+v", ctx, key, got, wantX)
		}
	}
}

// TestPreparedAgreesWithMap: for many random flags and contexts (nested
// paths, absent, nil and mistyped values, segments, prerequisites,
// rollouts), a prepared context evaluates and explains every flag exactly
// as its map does, within the work bound and beyond it.
func TestPreparedAgreesWithMap(t *testing.T) {
	for _, work := range []int{0, 40} { // the default, and one some contexts exceed
		SetMaxEvalWork(work)
		r := rand.New(rand.NewPCG(23, uint64(work)))
		flags, segs := agreeFlags(r, 150)
		snap := mustCompile(t, flags, segs...).WithoutCounting()
		for range 150 {
			checkPrepared(t, snap, agreeContext(r))
		}
		checkPrepared(t, snap, nil)
		checkPrepared(t, snap, Context{})
	}
	SetMaxEvalWork(0)
}

// A nil Prepared is an empty context, as a nil Context is.
func TestPreparedNilIsEmpty(t *testing.T) {
	snap := mustCompile(t, []*featureflags.Flag{benchFlag("f"), flagOn("g", "", nil, &featureflags.Targeting{
		Rules: []featureflags.Rule{serveRule("off", cond("country", "absent", nil))},
	})})
	for _, key := range []string{"f", "g", "missing"} {
		if got, want := snap.EvaluatePrepared(prod, key, nil), snap.Evaluate(prod, key, nil); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: nil Prepared %+v, nil Context %+v", key, got, want)
		}
	}
	if got := snap.EvaluatePrepared("nope", "f", Prepare(nil)); got.ErrorCode != ErrorGeneral {
		t.Errorf("unknown environment: %+v", got)
	}
}

// Prepare copies the context: changing the caller's map afterwards
// changes nothing, whether a name is read from the memo or, interned since
// preparation, from the copy.
func TestPreparedCopiesTheContext(t *testing.T) {
	late := "preparedCopy" + strconv.Itoa(int(names.n.Load()))
	ctx := benchContext("user-1")
	ctx[late] = "x"
	p := Prepare(ctx)
	snap := mustCompile(t, []*featureflags.Flag{benchFlag("f"), flagOn("g", "", nil, &featureflags.Targeting{
		Rules: []featureflags.Rule{serveRule("on", cond(late, "eq", "x"))}, DefaultServe: &featureflags.Serve{Variant: "off"},
	})})
	want := map[string]Result{"f": snap.Evaluate(prod, "f", ctx), "g": snap.Evaluate(prod, "g", ctx)}
	ctx["targetingKey"], ctx["country"], ctx[late] = "user-2", "NZ", "y"
	delete(ctx, "plan")
	for key, w := range want {
		if got := snap.EvaluatePrepared(prod, key, p); got != w {
			t.Errorf("%s after the caller changed its map: %+v, want %+v", key, got, w)
		}
	}
}

// A prepared memo holds every name interned before preparation, read from
// the names published without the lock; a name interned afterwards (a flag
// created since) is read from the copy of the context, and the memo is
// never written.
func TestPreparedNamesBeforeAndAfter(t *testing.T) {
	before := "preparedBefore" + strconv.Itoa(int(names.n.Load()))
	snap := mustCompile(t, []*featureflags.Flag{flagOn("f", "", nil, &featureflags.Targeting{
		Rules: []featureflags.Rule{serveRule("on", cond(before, "eq", "x"))}, DefaultServe: &featureflags.Serve{Variant: "off"},
	})})
	after := "preparedAfter" + strconv.Itoa(int(names.n.Load()))
	p := Prepare(Context{before: "x", after: map[string]any{"plan": "gold"}})
	id := internName(before)
	if id >= uint32(len(p.memo.vals)) || p.memo.vals[id] != "x" {
		t.Fatalf("name %q (id %d) not in the prepared memo of %d names", before, id, len(p.memo.vals))
	}
	if len(p.rest) != 1 || p.rest[after] == nil {
		t.Fatalf("attributes kept beside the memo: %v, want %s's alone", p.rest, after)
	}
	if r := snap.EvaluatePrepared(prod, "f", p); r.Variant != "on" {
		t.Errorf("name interned before: %+v", r)
	}
	snap = snap.With("", flagOn("g", "", nil, &featureflags.Targeting{
		Rules: []featureflags.Rule{serveRule("on", cond(after+".plan", "eq", "gold"))}, DefaultServe: &featureflags.Serve{Variant: "off"},
	}), 8)
	if id := internName(after); id < uint32(len(p.memo.vals)) {
		t.Fatalf("name %q interned after preparation has id %d, inside the memo of %d", after, id, len(p.memo.vals))
	}
	vals := len(p.memo.vals)
	if r := snap.EvaluatePrepared(prod, "g", p); r.Variant != "on" {
		t.Errorf("name interned after: %+v", r)
	}
	if len(p.memo.vals) != vals || current != [maxNames]uint32{} {
		t.Error("evaluating wrote the prepared memo")
	}
}

// A name past the bound of the table (unmemoized) is read from the copy.
func TestPreparedNamePastTheBound(t *testing.T) {
	a := attribute{name: "preparedPastTheBound", id: unmemoized}
	if v := a.get(Prepare(Context{a.name: "a"}).view()); v != "a" {
		t.Errorf("got %v, want a", v)
	}
}

// Many goroutines evaluating one prepared context agree with a sequential
// run; -race checks that evaluation only reads it.
func TestPreparedConcurrently(t *testing.T) {
	snap, keys := benchSnapshot(t, 200)
	p := Prepare(benchContext("user-7"))
	want := make([]Result, len(keys))
	for i, k := range keys {
		want[i] = snap.EvaluatePrepared(prod, k, p)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			for i, k := range keys {
				if got := snap.EvaluatePrepared(prod, k, p); got != want[i] {
					errs <- fmt.Sprintf("%s: %+v, want %+v", k, got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestPreparedEvaluatesWithoutAllocating(t *testing.T) {
	snap := mustCompile(t, append(prereqFlags(), benchFlag("bench")))
	p := Prepare(Context{"beta": true, "country": "NZ", "targetingKey": "u", "user": map[string]any{"plan": "pro"}})
	for _, key := range []string{"banner", "bench"} {
		if n := testing.AllocsPerRun(100, func() { snap.EvaluatePrepared(prod, key, p) }); n != 0 {
			t.Errorf("%s: %v allocations per evaluation", key, n)
		}
	}
}
