package eval

import (
	"iter"
	"reflect"
	"sync/atomic"
)

// Encoded yields, for every flag of env in key order, its result for ctx
// as encode writes it; nothing for an unknown environment. A yielded slice
// is valid until the next one only.
//
// A flag's results are compiled (tallies): whatever the context, it serves
// one of a few. So each result is encoded once, on first use, kept with the
// compiled flag (which snapshots share until the flag changes) and copied
// from then on; a flag with more results than maxEncodings encodes the
// rest each time. encode must therefore depend on the result alone; the
// memo is kept per encode function.
func (s *Snapshot) Encoded(env string, ctx Context, encode func([]byte, *Result) []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		t := s.env(env)
		if t == nil {
			return
		}
		code := reflect.ValueOf(encode).Pointer()
		var scratch []byte
		for _, f := range t.flags.All() {
			r := f.evaluate(t, ctx)
			s.count(r)
			b, ok := f.encodedAs(r, code, encode)
			if !ok {
				scratch = encode(scratch[:0], &r.Result)
				b = scratch
			}
			if !yield(b) {
				return
			}
		}
	}
}

// maxEncodings bounds the results kept encoded per flag: a flag with many
// rules keeps its first ones served.
const maxEncodings = 8

// encodings are results of one flag as one encode function wrote them.
type encodings struct {
	code uintptr // the function's
	of   []encoding
}

type encoding struct {
	t *tally
	b []byte
}

// encodedAs returns t, a result of f, as the encode function at code
// writes it, encoding it on first use; false when f keeps maxEncodings
// others. Concurrent first uses may both encode, and one memo lose the
// other's entry: it is made again on next use.
func (f *flagEnv) encodedAs(t *tally, code uintptr, encode func([]byte, *Result) []byte) ([]byte, bool) {
	e := f.encoded.Load()
	if e == nil || e.code != code {
		e = &encodings{code: code}
	}
	for _, x := range e.of {
		if x.t == t {
			return x.b, true
		}
	}
	if len(e.of) >= maxEncodings {
		return nil, false
	}
	b := encode(nil, &t.Result)
	next := &encodings{code: code, of: make([]encoding, len(e.of), len(e.of)+1)}
	copy(next.of, e.of)
	next.of = append(next.of, encoding{t, b})
	f.encoded.Store(next)
	return b, true
}

// encodedCache is the flagEnv field that holds encodedAs's memo.
type encodedCache = atomic.Pointer[encodings]
