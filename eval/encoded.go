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
// Most flags of a large service have no targeting or are off: their result
// does not depend on the context, so their encoding is made once, kept with
// the compiled flag (which snapshots share until the flag changes) and
// copied from then on. encode must therefore depend on the result alone;
// the memo is kept per encode function.
func (s *Snapshot) Encoded(env string, ctx Context, encode func([]byte, *Result) []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		t := s.env(env)
		if t == nil {
			return
		}
		code := reflect.ValueOf(encode).Pointer()
		var scratch []byte
		for _, f := range t.flags.All() {
			var b []byte
			if f.fixed != nil {
				s.count(f.fixed)
				b = f.encodedFixed(code, encode)
			} else {
				scratch = encode(scratch[:0], s.count(f.evaluate(t, ctx)))
				b = scratch
			}
			if !yield(b) {
				return
			}
		}
	}
}

// encoding is a fixed result as one encode function wrote it.
type encoding struct {
	code uintptr // the function's
	b    []byte
}

// encodedFixed returns f's fixed result as the encode function at code
// writes it, encoding it on first use. Concurrent first uses may both
// encode; they store the same bytes.
func (f *flagEnv) encodedFixed(code uintptr, encode func([]byte, *Result) []byte) []byte {
	if e := f.encoded.Load(); e != nil && e.code == code {
		return e.b
	}
	e := &encoding{code: code, b: encode(nil, &f.fixed.Result)}
	f.encoded.Store(e)
	return e.b
}

// encodedCache is the flagEnv field that holds encodedFixed's memo.
type encodedCache = atomic.Pointer[encoding]
