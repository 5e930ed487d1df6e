package server

import (
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
)

// dropAll is a destination that keeps nothing, as a Builder drops the
// attributes no flag tests.
type dropAll struct{}

func (dropAll) Slot(string) int      { return eval.NoSlot }
func (dropAll) Set(int, string, any) { panic("Set of a dropped attribute") }

// quickMap decodes body by hand into a map.
func quickMap(body []byte) (eval.Context, bool) {
	m := eval.Context{}
	present, ok := quickContext(body, mapDest(m))
	if !present {
		return nil, ok
	}
	return m, ok
}

// FuzzQuickContext holds the hand decoder to json.Unmarshal: whenever it
// decodes a body, json.Unmarshal decodes the same context from it; and it
// declines the same bodies whether it keeps the values or drops them.
func FuzzQuickContext(f *testing.F) {
	for _, s := range []string{
		`{"context":{"targetingKey":"user-1","country":"NZ","age":42,"beta":true,"x":null}}`,
		`{}`, `{"context":null}`, `{"context":{}}`, ` { "context" : { "a" : -0.5e+3 , "a" : "b" } } `,
		`{"context":{"n":0123}}`, `{"context":{"n":-}}`, `{"context":{"n":1e400}}`, `{"context":{"s":"\u00e9"}}`,
		`{"Context":{"a":1}}`, `{"context":{"o":{"p":1}}}`, `{"context":{"a":1},"x":2}`, "{\"context\":{\"s\":\"\xff\"}}",
		`{"context":{"targetingKey":5}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := quickMap(body)
		if _, dropped := quickContext(body, dropAll{}); dropped != ok {
			t.Fatalf("%q: decoded %t keeping the values, %t dropping them", body, ok, dropped)
		}
		if !ok {
			return
		}
		var want ofrepRequest
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatalf("%q: decoded %v by hand, json.Unmarshal fails: %v", body, got, err)
		}
		if !reflect.DeepEqual(got, want.Context) {
			t.Fatalf("%q: decoded %#v by hand, json.Unmarshal %#v", body, got, want.Context)
		}
	})
}

// TestQuickContextDeclines lists shapes left to json.Unmarshal, whether
// the values are kept or dropped: a targetingKey that is not a string is
// explained on that path.
func TestQuickContextDeclines(t *testing.T) {
	for _, s := range []string{`{"context":{"o":{"p":1}}}`, `{"context":{"s":"a\"b"}}`, `{"Context":{}}`,
		`{"context":{"n":01}}`, `{"context":{"n":1e400}}`, `{"context":{"a":1},"x":2}`, `{"context":[]}`, `{"context":{"a":1}} x`,
		`{"context":{"targetingKey":5}}`, `{"context":{"targetingKey":true}}`} {
		if ctx, ok := quickMap([]byte(s)); ok {
			t.Errorf("%s: decoded by hand as %v", s, ctx)
		}
		if _, ok := quickContext([]byte(s), dropAll{}); ok {
			t.Errorf("%s: decoded by hand, dropping every value", s)
		}
	}
	if ctx, ok := quickMap([]byte(`{"context":{"k":"v","n":-1.5e2,"t":true,"f":false,"z":null,"targetingKey":null}}`)); !ok ||
		!reflect.DeepEqual(map[string]any(ctx), map[string]any{"k": "v", "n": -150.0, "t": true, "f": false, "z": nil, "targetingKey": nil}) {
		t.Fatalf("flat context: %v, %t", ctx, ok)
	}
}

// TestQuickContextAllocs: decoded into a reused map, a context costs one
// copy of the body, whose slices are its names and strings, and the
// boxing of its strings and numbers into the map's values: six here; into
// a Builder that keeps none of them, the copy alone.
func TestQuickContextAllocs(t *testing.T) {
	b := []byte(`{"context":{"n":30,"targetingKey":"user-1","country":"NZ","plan":"team","email":"a@b.c","beta":true,"x":null}}`)
	m := eval.Context{}
	allocs := testing.AllocsPerRun(100, func() {
		clear(m)
		if _, ok := quickContext(b, mapDest(m)); !ok {
			t.Fatalf("%s declined", b)
		}
	})
	if allocs > 6 {
		t.Fatalf("%v allocations, want at most 6", allocs)
	}
	if n := testing.AllocsPerRun(100, func() { quickContext(b, dropAll{}) }); n > 1 {
		t.Fatalf("%v allocations dropping every value, want the copy alone", n)
	}
}

// TestStopsIn holds the eight-byte test of str to strStop: every byte
// value at every position among others that do not stop, and words of
// random bytes.
func TestStopsIn(t *testing.T) {
	word := func(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }
	for c := range 256 {
		for p := range 8 {
			b := []byte("aZ09 ~!a")
			b[p] = byte(c)
			if got := stopsIn(word(b)); got != strStop[c] {
				t.Fatalf("stopsIn(%q) = %v, want %v", b, got, strStop[c])
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 8)
	for range 1_000_000 {
		want := false
		for i := range b {
			// Mostly printable ASCII, so that words without a stop are common.
			b[i] = byte(0x20 + rng.IntN(0x60))
			if rng.IntN(16) == 0 {
				b[i] = byte(rng.IntN(256))
			}
			want = want || strStop[b[i]]
		}
		if got := stopsIn(word(b)); got != want {
			t.Fatalf("stopsIn(%q) = %v, want %v", b, got, want)
		}
	}
}

// BenchmarkDecodeEvaluate decodes the wrk benchmark's context and
// evaluates its flag (5 rules and a rollout) with it: into a map, as bulk
// answers do, and into a Builder, as single evaluations do.
func BenchmarkDecodeEvaluate(b *testing.B) {
	snap := eval.Compile([]*ff.Flag{{Name: "f", Type: ff.TypeBoolean, Environments: map[string]bool{"production": true},
		Targeting: map[string]*ff.Targeting{"production": evalTargeting()}}}, nil, []string{"production"}, 1)
	body := []byte(evalContext)
	b.Run("map", func(b *testing.B) {
		m := eval.Context{}
		for b.Loop() {
			clear(m)
			quickContext(body, mapDest(m))
			snap.Resolve("production", "f", m)
		}
	})
	b.Run("builder", func(b *testing.B) {
		var p eval.Builder
		for b.Loop() {
			p.Reset()
			quickContext(body, &p)
			snap.ResolvePrepared("production", "f", p.Prepared())
		}
	})
}
