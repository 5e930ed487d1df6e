package eval

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"github.com/featureflags/featureflags"
)

func TestBucketOfRange(t *testing.T) {
	cases := map[uint32]uint32{0: 0, 42949: 0, 42950: 1, 1 << 31: 50000, math.MaxUint32: buckets - 1}
	for h, want := range cases {
		if got := bucketOf(h); got != want {
			t.Errorf("bucketOf(%d) = %d, want %d", h, got, want)
		}
	}
}

// rolloutOf compiles a 50/50 boolean rollout for a flag with this id and
// returns it, to reach the bucket the production path computes.
func rolloutOf(t *testing.T, id, bucketBy string) *rollout {
	t.Helper()
	snap := mustCompile(t, []*featureflags.Flag{
		flagOn(id, "", nil, &featureflags.Targeting{DefaultServe: split(bucketBy, "on", 50.0, "off", 50.0)}),
	})
	f, _ := snap.envs[prod].flags.Get(id)
	return f.def.rollout
}

// Pinned vectors: murmur3_32(salt + "/" + value, seed 0) × 100000 >> 32,
// computed independently (a Python implementation). If this test fails, a
// change moved users between variants: revert it.
func TestBucketPinnedVectors(t *testing.T) {
	cases := []struct {
		salt  string
		value any
		want  uint32
	}{
		{"65f1c0ffee0000000000abcd", "user-1", 45913},
		{"65f1c0ffee0000000000abcd", "user-2", 61125},
		{"65f1c0ffee0000000000abcd", "alice@example.com", 47453},
		{"65f1c0ffee0000000000abcd", 3.5, 10506}, // numbers hash as their decimal form: "3.5"
		{"new-checkout", "user-1", 39756},
		{"new-checkout", "42", 33769},
		{"new-checkout", 42, 33769},
		{"new-checkout", 42.0, 33769},
		{"new-checkout", int64(42), 33769},
		{"new-checkout", json.Number("42"), 33769},
		{"salt", "Zoë", 17108},
	}
	for _, c := range cases {
		r := rolloutOf(t, c.salt, "")
		got, ok := r.bucket(view{ctx: Context{"targetingKey": c.value}})
		if !ok || got != c.want {
			t.Errorf("bucket(%q, %#v) = %d, %t; want %d", c.salt, c.value, got, ok, c.want)
		}
	}
}

func TestBucketByNestedAttribute(t *testing.T) {
	r := rolloutOf(t, "65f1c0ffee0000000000abcd", "account.id")
	got, ok := r.bucket(view{ctx: Context{"targetingKey": "ignored", "account": map[string]any{"id": "user-2"}}})
	if !ok || got != 61125 {
		t.Errorf("bucket by account.id = %d, %t; want 61125", got, ok)
	}
	for _, ctx := range []Context{nil, {"account": "user-2"}, {"account": map[string]any{"id": ""}}, {"account": map[string]any{"id": true}}} {
		if _, ok := r.bucket(view{ctx: ctx}); ok {
			t.Errorf("bucket(%v) succeeded, want missing", ctx)
		}
	}
}

func TestAppendNumber(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{42, "42"}, {42.0, "42"}, {-7.0, "-7"}, {uint8(7), "7"}, {uint64(math.MaxUint64), "18446744073709551615"},
		{1.5, "1.5"}, {float32(0.5), "0.5"}, {1e21, "1e+21"}, {json.Number("12.50"), "12.5"},
	}
	for _, c := range cases {
		got, ok := appendNumber(nil, c.in)
		if !ok || string(got) != c.want {
			t.Errorf("appendNumber(%#v) = %q, %t; want %q", c.in, got, ok, c.want)
		}
	}
	for _, in := range []any{math.NaN(), math.Inf(1), "1", true, json.Number("x")} {
		if got, ok := appendNumber(nil, in); ok {
			t.Errorf("appendNumber(%#v) = %q, want failure", in, got)
		}
	}
}

const population = 100_000

func userID(i int) string { return "user-" + strconv.Itoa(i) }

// shares evaluates a flag for the population and counts each variant.
func shares(t *testing.T, snap *Snapshot, key string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for i := 0; i < population; i++ {
		r := snap.Evaluate(prod, key, Context{"targetingKey": userID(i)})
		if r.Reason != ReasonSplit {
			t.Fatalf("reason %s (%s), want SPLIT", r.Reason, r.ErrorDetails)
		}
		counts[r.Variant]++
	}
	return counts
}

func TestRolloutSharesMatchWeights(t *testing.T) {
	variants := map[string]any{"a": "A", "b": "B", "c": "C", "d": "D"}
	weights := map[string]float64{"a": 10, "b": 20.5, "c": 0, "d": 69.5}
	f := flagOn("65f1c0ffee0000000000abcd", featureflags.TypeString, variants,
		&featureflags.Targeting{DefaultServe: split("", "a", 10.0, "b", 20.5, "c", 0.0, "d", 69.5)})
	counts := shares(t, mustCompile(t, []*featureflags.Flag{f}), f.Name)
	for v, w := range weights {
		got := 100 * float64(counts[v]) / population
		if math.Abs(got-w) > 0.5 {
			t.Errorf("variant %s: %.3f%% of users, want %.3f%% ± 0.5", v, got, w)
		}
	}
	if counts["c"] != 0 {
		t.Errorf("zero-weight variant c served %d users", counts["c"])
	}
}

func TestRolloutGrowingOnlyAddsUsers(t *testing.T) {
	rollout := func(on float64) *featureflags.Flag {
		return flagOn("65f1c0ffee0000000000abcd", "", nil,
			&featureflags.Targeting{DefaultServe: split("", "on", on, "off", 100-on)})
	}
	before := mustCompile(t, []*featureflags.Flag{rollout(10)})
	after := mustCompile(t, []*featureflags.Flag{rollout(20)})
	in := 0
	for i := 0; i < population; i++ {
		ctx := Context{"targetingKey": userID(i)}
		b, a := before.Evaluate(prod, "65f1c0ffee0000000000abcd", ctx), after.Evaluate(prod, "65f1c0ffee0000000000abcd", ctx)
		if b.Variant == "on" && a.Variant != "on" {
			t.Fatalf("%s was in at 10%% and is out at 20%%", userID(i))
		}
		if a.Variant == "on" {
			in++
		}
	}
	if got := 100 * float64(in) / population; math.Abs(got-20) > 0.5 {
		t.Errorf("%.3f%% in at 20%%", got)
	}
}

func TestRolloutFlagsBucketIndependently(t *testing.T) {
	half := &featureflags.Targeting{DefaultServe: split("", "on", 50.0, "off", 50.0)}
	snap := mustCompile(t, []*featureflags.Flag{flagOn("flag-one", "", nil, half), flagOn("flag-two", "", nil, half)})
	both := 0
	for i := 0; i < population; i++ {
		ctx := Context{"targetingKey": userID(i)}
		if snap.Evaluate(prod, "flag-one", ctx).Value == true && snap.Evaluate(prod, "flag-two", ctx).Value == true {
			both++
		}
	}
	if got := 100 * float64(both) / population; math.Abs(got-25) > 0.5 {
		t.Errorf("%.3f%% of users in both 50%% rollouts, want 25 ± 0.5", got)
	}
}

// Numeric bucketing values are hashed as their decimal text, a string the
// compiler keeps on the stack: it must stay allocation-free.
func TestBucketNumberDoesNotAllocate(t *testing.T) {
	r := rolloutOf(t, "salt", "")
	for _, v := range []any{42, int64(-9223372036854775808), -1.2345678901234567e-308, json.Number("12.5")} {
		ctx := Context{"targetingKey": v}
		if _, ok := r.bucket(view{ctx: ctx}); !ok {
			t.Fatalf("bucket(%v) missing", v)
		}
		if n := testing.AllocsPerRun(100, func() { r.bucket(view{ctx: ctx}) }); n != 0 {
			t.Errorf("bucket(%v): %v allocations, want 0", v, n)
		}
	}
}
