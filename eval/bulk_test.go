package eval

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/featureflags/featureflags"
)

// bulkFlags returns n flags over several leaves of the map: every third
// targeted (a rule on plan, then a rollout), every fifth off in
// production, the rest static.
func bulkFlags(n int) []*featureflags.Flag {
	flags := make([]*featureflags.Flag, n)
	for i := range flags {
		var t *featureflags.Targeting
		if i%3 == 0 {
			t = &featureflags.Targeting{
				Rules:        []featureflags.Rule{serveRule("off", cond("plan", "eq", "free"))},
				DefaultServe: split("", "on", 50.0, "off", 50.0),
			}
		}
		f := flagOn(fmt.Sprintf("f%04d", i), "", nil, t)
		f.Environments[prod] = i%5 != 0
		flags[i] = f
	}
	return flags
}

// byKey encodes a result as key=variant/reason, without commas.
func byKey(b []byte, r *Result) []byte {
	return append(b, r.Key+"="+r.Variant+"/"+r.Reason...)
}

// bulk answers once for ctx and returns the flags it gave.
func bulk(s *Snapshot, ctx Context) int {
	return strings.Count(answer(s, prod, ctx, byKey), ",") + 1
}

// TestBulkCountsEachFlagOnce: bulk answers on a snapshot and on one With
// made from it (which share most compiled flags and leaves) count each
// flag they gave once, with the result they gave, exactly as evaluating
// every flag would have; whether drained by Drain on both or by
// DrainReplaced and Drain as the usage collector does.
func TestBulkCountsEachFlagOnce(t *testing.T) {
	a := mustCompile(t, bulkFlags(300))
	changed := flagOn("f0150", "", nil, nil)
	changed.Environments[prod] = false
	b := a.With("f0150", changed, 8)
	ctxs := []Context{{"targetingKey": "u1", "plan": "free"}, {"targetingKey": "u2"}, {"targetingKey": "u3"}}
	for _, drain := range []string{"Drain", "DrainReplaced"} {
		want := map[Count]uint64{}
		for i, s := range []*Snapshot{a, b, a} {
			for _, ctx := range ctxs {
				if n := bulk(s, ctx); n != 300 {
					t.Fatalf("snapshot %d answered %d flags, want 300", i, n)
				}
				for _, r := range s.WithoutCounting().EvaluateAll(prod, ctx, nil) {
					want[Count{Environment: prod, Flag: r.Key, Variant: r.Variant, Reason: r.Reason, ErrorCode: r.ErrorCode}]++
				}
			}
		}
		a.Evaluate(prod, "f0001", nil) // single evaluations add to the same counts
		want[Count{Environment: prod, Flag: "f0001", Variant: "on", Reason: ReasonStatic}]++
		got := map[Count]uint64{}
		add := func(c Count) {
			n := c.N
			c.N = 0
			got[c] += n
		}
		if drain == "Drain" {
			a.Drain(add)
		} else {
			a.DrainReplaced(b, add)
		}
		b.Drain(add)
		if len(got) != len(want) {
			t.Errorf("%s: %d counts, want %d", drain, len(got), len(want))
		}
		for c, n := range want {
			if got[c] != n {
				t.Errorf("%s: %+v counted %d, want %d", drain, c, got[c], n)
			}
		}
		if again := drained(a); len(again) != 0 {
			t.Errorf("%s: counts left after draining: %v", drain, again)
		}
	}
	if bulk(a.WithoutCounting(), ctxs[0]); len(drained(a)) != 0 {
		t.Error("a bulk answer on a snapshot that does not count counted")
	}
}

// TestBulkCountsRacingDrain: bulk answers on two snapshots sharing leaves,
// with drains of both running all along, lose and double no count.
func TestBulkCountsRacingDrain(t *testing.T) {
	a := mustCompile(t, bulkFlags(200))
	b := a.With("", flagOn("g", "", nil, nil), 8)
	const workers, each = 4, 200
	var wg sync.WaitGroup
	var answered [workers]int
	for w := range workers {
		wg.Go(func() {
			s := []*Snapshot{a, b}[w%2]
			for i := range each {
				answered[w] += bulk(s, Context{"targetingKey": fmt.Sprint(i)})
			}
		})
	}
	total := drainWhile(&wg, a, b)
	want := 0
	for _, n := range answered {
		want += n
	}
	if want != workers/2*each*(200+201) {
		t.Fatalf("answered %d flags in all, want %d", want, workers/2*each*(200+201))
	}
	if total != uint64(want) {
		t.Errorf("drained %d evaluations, want %d", total, want)
	}
}

// TestBulkStoppedCountsWhatItGave: an answer stopped part way counts the
// flags it gave, no more.
func TestBulkStoppedCountsWhatItGave(t *testing.T) {
	s := mustCompile(t, bulkFlags(300))
	for stop := 1; stop < 5; stop++ {
		flushes := 0
		b := s.AppendEncoded(nil, prod, Context{"targetingKey": "k"}, byKey, ',', func(b []byte) ([]byte, bool) {
			flushes++
			return b, flushes < stop
		})
		gave := strings.Count(string(b), ",") + 1
		var n uint64
		s.Drain(func(c Count) { n += c.N })
		if gave >= 300 || n != uint64(gave) {
			t.Errorf("stopped at flush %d after %d flags: counted %d", stop, gave, n)
		}
	}
}

// encodings counts the calls of countingByKey.
var encodings atomic.Int64

func countingByKey(b []byte, r *Result) []byte {
	encodings.Add(1)
	return byKey(b, r)
}

// TestBulkRunsEncodedOnce: concurrent first answers of a snapshot encode
// its leaves once between them, as one answer alone does.
func TestBulkRunsEncodedOnce(t *testing.T) {
	encodings.Store(0)
	answer(mustCompile(t, bulkFlags(1000)), prod, nil, countingByKey)
	want := encodings.Load()
	s := mustCompile(t, bulkFlags(1000))
	encodings.Store(0)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			<-start
			answer(s, prod, nil, countingByKey)
		})
	}
	close(start)
	wg.Wait()
	if got := encodings.Load(); got != want {
		t.Errorf("8 concurrent first answers encoded %d results, one answer alone %d", got, want)
	}
}

// TestBulkRunsFollowChanges: after With changes a fixed flag, the bulk
// answer gives its new result, on the new snapshot only.
func TestBulkRunsFollowChanges(t *testing.T) {
	a := mustCompile(t, bulkFlags(300))
	bulk(a, nil) // makes the runs
	changed := flagOn("f0101", "", nil, nil)
	changed.Environments[prod] = false
	b := a.With("f0101", changed, 8)
	if got := answer(b, prod, nil, byKey); !strings.Contains(got, "f0101=off/DISABLED") {
		t.Errorf("the new snapshot gives %q for the changed flag", got[strings.Index(got, "f0101"):][:20])
	}
	if got := answer(a, prod, nil, byKey); !strings.Contains(got, "f0101=on/STATIC") {
		t.Errorf("the old snapshot gives %q for the changed flag", got[strings.Index(got, "f0101"):][:20])
	}
}

// TestHoldTakesAFreeShard: an answer counts in the shard it tries first
// when that one is free, else in the next free one, and when every shard
// is taken it gets its own once that is freed, never none. (Whether it
// waited in Lock or found the shard freed cannot be told apart here.)
func TestHoldTakesAFreeShard(t *testing.T) {
	m := &leafMemo{shards: make([]countShard, 3)}
	m.shards[1].mu.Lock()
	if sh := m.hold(1); sh != &m.shards[2] {
		t.Fatalf("hold(1) with shard 1 taken gave shard %d, want 2", shardIndex(m, sh))
	}
	if sh := m.hold(4); sh != &m.shards[0] { // 4 is shard 1, taken, then 2, taken
		t.Fatalf("hold(4) with shards 1 and 2 taken gave shard %d, want 0", shardIndex(m, sh))
	}
	got := make(chan *countShard)
	go func() { got <- m.hold(7) }() // every shard taken: it waits for shard 1
	m.shards[1].mu.Unlock()
	if sh := <-got; sh != &m.shards[1] {
		t.Fatalf("hold(7) with every shard taken gave shard %d, want 1", shardIndex(m, sh))
	}
}

// TestCountShardFillsACacheLine: the padding of countShard, written as a
// number, still makes a shard exactly one 64-byte line, so that shards
// counted on different cores never share one.
func TestCountShardFillsACacheLine(t *testing.T) {
	if size := unsafe.Sizeof(countShard{}); size != 64 {
		t.Fatalf("a countShard is %d bytes, want 64: mend its padding", size)
	}
}

func shardIndex(m *leafMemo, sh *countShard) int {
	for i := range m.shards {
		if sh == &m.shards[i] {
			return i
		}
	}
	return -1
}

// TestBulkCountsAcrossShards: counts that answers on different cores add
// to different shards of a leaf are drained once, summed.
func TestBulkCountsAcrossShards(t *testing.T) {
	s := mustCompile(t, bulkFlags(100))
	var memos []*leafMemo
	for l := range s.env(prod).flags.Leaves() {
		m := memoOf(l)
		m.shards = make([]countShard, 3)
		memos = append(memos, m)
	}
	want := uint64(0)
	for i := range 6 {
		free := i % 3 // the other two are taken: the answer counts in this one
		for _, m := range memos {
			m.shards[(free+1)%3].mu.Lock()
			m.shards[(free+2)%3].mu.Lock()
		}
		want += uint64(bulk(s, Context{"targetingKey": fmt.Sprint(i)}))
		for _, m := range memos {
			m.shards[(free+1)%3].mu.Unlock()
			m.shards[(free+2)%3].mu.Unlock()
			if m.shards[free].served != uint64(i/3+1) {
				t.Fatalf("answer %d: shard %d served %d answers, want %d", i, free, m.shards[free].served, i/3+1)
			}
		}
	}
	var got uint64
	s.Drain(func(c Count) { got += c.N })
	if got != want || want != 600 {
		t.Fatalf("drained %d evaluations of %d answered, want 600", got, want)
	}
}

// TestBulkDecidesSharedOnlyFlags: flags whose rules test only shared
// conditions (or none: "always") and have no prerequisites are decided
// from the answer's outcomes and their serves' places (leafRuns.decide);
// the others are evaluated. Both give what evaluating each flag alone
// gives, for rollouts in rules and in the default, by a nested attribute
// or an Unleash scheme, and for contexts that miss or mistype the key.
func TestBulkDecidesSharedOnlyFlags(t *testing.T) {
	unleash := split("", "on", 30.0, "off", 70.0)
	unleash.Rollout.Scheme, unleash.Rollout.Seed = featureflags.SchemeUnleash, "group"
	nz := cond("country", "eq", "NZ")
	flags := []*featureflags.Flag{
		flagOn("a-always", "", nil, &featureflags.Targeting{Rules: []featureflags.Rule{
			serveRule("off", nz),
			{Serve: *split("", "on", 50.0, "off", 50.0)}, // no conditions: always
		}}),
		flagOn("b-nested", "", nil, &featureflags.Targeting{
			Rules:        []featureflags.Rule{{Conditions: []featureflags.Condition{nz, cond("plan", "in", []any{"gold", "team"})}, Serve: *split("account.id", "on", 20.0, "off", 80.0)}},
			DefaultServe: unleash,
		}),
		flagOn("c-default", "", nil, &featureflags.Targeting{DefaultServe: split("", "on", 10.0, "off", 90.0)}),
		flagOn("d-matches", "", nil, &featureflags.Targeting{Rules: []featureflags.Rule{serveRule("on", cond("email", "matches", "@acme"))}}),
		flagOn("e-prereq", "", nil, requires(&featureflags.Targeting{Rules: []featureflags.Rule{serveRule("on", nz)}}, "c-default", "on")),
		flagOn("f-segment", "", nil, &featureflags.Targeting{Rules: []featureflags.Rule{serveRule("on", cond("", "inSegment", "kiwis"))}}),
	}
	snap := mustCompile(t, flags, &featureflags.Segment{Name: "kiwis", Conditions: []featureflags.Condition{nz}})
	for _, ctx := range []Context{
		{"targetingKey": "u1", "country": "NZ", "plan": "gold", "account": map[string]any{"id": "acme"}},
		{"targetingKey": "u2", "country": "NZ", "plan": "team", "email": "jo@acme.io"},
		{"targetingKey": 42.0, "country": "AU", "account": map[string]any{"id": 7.0}},
		{"targetingKey": "", "country": "NZ"},
		{"country": "NZ", "plan": "gold"},
		nil,
	} {
		checkAgree(t, snap.WithoutCounting(), ctx)
		for i := range 40 { // rollouts: both variants of each, across keys
			checkAgree(t, snap.WithoutCounting(), Context{"targetingKey": fmt.Sprint("user-", i), "country": ctx["country"], "account": map[string]any{"id": fmt.Sprint("acct-", i)}})
		}
	}
	decided := map[string]bool{}
	for l := range snap.env(prod).flags.Leaves() {
		r := memoOf(l).runs.Load()
		for _, p := range r.parts {
			if p.f != nil {
				decided[p.f.key] = p.serves != noServes
			}
		}
	}
	want := map[string]bool{"a-always": true, "b-nested": true, "c-default": true, "d-matches": false, "e-prereq": false, "f-segment": false}
	if !reflect.DeepEqual(decided, want) {
		t.Errorf("decided from shared outcomes: %v, want %v", decided, want)
	}
}

// TestSettleDecidesUnsharedConditions: first settles a condition whose id
// the memo has no room for (interned after the memo began) or that has
// none ("always") by deciding it, without remembering it, and stops at
// the step after the flag's last.
func TestSettleDecidesUnsharedConditions(t *testing.T) {
	var m outcomeMemo
	m.begin(1)
	late := condition{op: opEq, kind: kindString, attr: attribute{name: "country"}, str: "NZ", id: 2, last: true, rule: 0, next: 1}
	always := condition{op: opAlways, last: true, rule: 1, next: 2}
	f := &flagEnv{conds: &[]condition{late, always}}
	steps := append(appendSteps(nil, *f.conds), step{k: noStep, rule: lastStep})
	if got := m.first(steps, f, Context{"country": "NZ"}); got != 0 {
		t.Errorf("a late condition that holds: rule %d, want 0", got)
	}
	if got := m.first(steps, f, Context{"country": "AU"}); got != 1 {
		t.Errorf("a late condition that fails, then always: rule %d, want 1", got)
	}
	if m.marks[0] != 0 {
		t.Errorf("another condition's outcome was written: %b", m.marks[0])
	}
	f.conds = &[]condition{late}
	steps = append(appendSteps(nil, *f.conds), step{k: noStep, rule: lastStep})
	if got := m.first(steps, f, Context{"country": "AU"}); got != -1 {
		t.Errorf("no rule holds: rule %d, want -1", got)
	}
}

// TestBulkLikelyAnswerLeadsTheSlab: a leaf's slab starts with its likely
// answer (fixed flags, and each targeted flag's default, of a rollout the
// largest share), so an answer in which every flag gives it is that span
// of the slab; a context that matches a rule still gets the right answer.
func TestBulkLikelyAnswerLeadsTheSlab(t *testing.T) {
	plan := cond("plan", "eq", "gold")
	flags := []*featureflags.Flag{
		flagOn("a", "", nil, &featureflags.Targeting{Rules: []featureflags.Rule{serveRule("on", plan)}, DefaultServe: &featureflags.Serve{Variant: "off"}}),
		flagOn("b", "", nil, nil),
		flagOn("c", "", nil, &featureflags.Targeting{Rules: []featureflags.Rule{serveRule("off", plan)}, DefaultServe: split("", "off", 0.0, "on", 100.0)}),
		flagOn("d", "", nil, &featureflags.Targeting{DefaultServe: split("", "on", 30.0, "off", 70.0)}),
		flagOn("e", "", nil, nil),
	}
	snap := mustCompile(t, flags).WithoutCounting()
	want := []string{"a=off/DEFAULT", "b=on/STATIC", "c=on/SPLIT", "d=off/SPLIT", "e=on/STATIC"}
	slab := ""
	for l := range snap.env(prod).flags.Leaves() {
		r := memoOf(l).runsFor(l.Values(), reflect.ValueOf(byKey).Pointer(), byKey, ',')
		slab = string(r.buf)
	}
	if likely := "," + strings.Join(want, ","); !strings.HasPrefix(slab, likely) {
		t.Errorf("the slab starts %q, want %q", slab, likely)
	}
	for i := range 200 { // d gives off to about 70 % of keys
		ctx := Context{"targetingKey": fmt.Sprint("user-", i)}
		if got := answer(snap, prod, ctx, byKey); strings.Contains(got, "d=off") && got != strings.Join(want, ",") {
			t.Fatalf("%v: %q, want %q", ctx, got, strings.Join(want, ","))
		}
		checkAgree(t, snap, ctx)
		checkAgree(t, snap, Context{"targetingKey": ctx["targetingKey"], "plan": "gold"})
	}
}
