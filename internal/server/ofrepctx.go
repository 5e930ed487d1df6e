package server

import (
	"encoding/binary"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/featureflags/featureflags/eval"
)

// Decoding the OFREP context by hand. json.Unmarshal into a struct holding
// a map reflects over every value and was a tenth of a single evaluation's
// CPU. Providers send {"context":{...}} of flat strings, numbers, booleans
// and nulls: quickContext decodes exactly that shape, in one pass and
// without reflection, and declines everything else (nested values, escapes,
// other members, anything malformed), which then goes through
// json.Unmarshal, so results and error messages are unchanged. The fuzz
// test holds the two to the same result.

// ctxDest is where quickContext puts a context's members: a map, or an
// eval.Builder, which keeps only the attributes flags test.
type ctxDest interface {
	Slot(name string) int // eval.NoSlot: the value is checked, not kept
	Set(slot int, name string, v any)
}

// mapDest keeps every member in a map.
type mapDest eval.Context

func (mapDest) Slot(string) int                 { return 0 }
func (m mapDest) Set(_ int, name string, v any) { m[name] = v }

// quickContext decodes body into dst, an empty one, when it is
// {"context":{flat members}} and reports whether it did; present is
// false for {} or "context":null. Declining, it may leave members in dst.
func quickContext(body []byte, dst ctxDest) (present, ok bool) {
	// One copy of the body holds every name and string value: they are
	// slices of it, not an allocation each.
	d := ctxDecoder{b: body, s: string(body)}
	if !d.skip('{') {
		return false, false
	}
	if d.skip('}') {
		return false, d.end()
	}
	if k, ok := d.key(); !ok || k != "context" {
		return false, false
	}
	if !d.literal("null") {
		if !d.object(dst) {
			return false, false
		}
		present = true
	}
	return present, d.skip('}') && d.end()
}

// ofrepInput is the pooled memory one evaluation request is read and
// decoded into: the body, and the context's map or Builder, which clear
// and Reset empty without giving back their memory, so that decoding the
// usual context allocates only the copy of the body and the boxing of the
// values kept. Nothing keeps a context past its request (evaluation
// results are built at compile time), so both can serve the next one.
type ofrepInput struct {
	body []byte
	ctx  eval.Context
	prep eval.Builder // Reset by its user, after loading the snapshot
}

// maxPooledContext keeps one unusually large context from making every
// later clear of its map slow.
const maxPooledContext = 64

var inputPool = sync.Pool{New: func() any { return &ofrepInput{body: make([]byte, 0, 4096), ctx: eval.Context{}} }}

func getInput() *ofrepInput { return inputPool.Get().(*ofrepInput) }

// release returns in to the pool once its request is answered.
func (in *ofrepInput) release() {
	if cap(in.body) > maxPooledBuffer {
		in.body = make([]byte, 0, 4096)
	}
	in.body = in.body[:0]
	if len(in.ctx) > maxPooledContext {
		in.ctx = eval.Context{}
	}
	clear(in.ctx)
	in.prep.Reset() // lets go of the values, and the body they are slices of
	inputPool.Put(in)
}

// ctxDecoder reads JSON from b at i; s is b as a string.
type ctxDecoder struct {
	b []byte
	s string
	i int
}

func (d *ctxDecoder) space() {
	for d.i < len(d.b) && (d.b[d.i] == ' ' || d.b[d.i] == '\t' || d.b[d.i] == '\n' || d.b[d.i] == '\r') {
		d.i++
	}
}

// skip consumes c after white space, if it is next.
func (d *ctxDecoder) skip(c byte) bool {
	d.space()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *ctxDecoder) end() bool {
	d.space()
	return d.i == len(d.b)
}

// literal consumes the word w (true, false, null) after white space.
func (d *ctxDecoder) literal(w string) bool {
	d.space()
	if len(d.b)-d.i >= len(w) && string(d.b[d.i:d.i+len(w)]) == w {
		d.i += len(w)
		return true
	}
	return false
}

// key reads a member name and its colon.
func (d *ctxDecoder) key() (string, bool) {
	d.space()
	k, ok := d.str()
	return k, ok && d.skip(':')
}

// strStop marks the bytes str stops at: the closing quote, a backslash,
// control characters, and the first byte of a multi-byte UTF-8 sequence.
var strStop = func() (t [256]bool) {
	for c := range t {
		t[c] = c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf
	}
	return t
}()

// str reads a string without escapes, control characters or invalid UTF-8.
func (d *ctxDecoder) str() (string, bool) {
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return "", false
	}
	start := d.i + 1
	j := start
	for j+8 <= len(d.b) && !stopsIn(binary.LittleEndian.Uint64(d.b[j:])) {
		j += 8
	}
	ascii := true
	for ; j < len(d.b); j++ {
		c := d.b[j]
		if !strStop[c] {
			continue
		}
		switch {
		case c == '"':
			d.i = j + 1
			return d.s[start:j], ascii || utf8.Valid(d.b[start:j])
		case c >= utf8.RuneSelf:
			ascii = false
		default: // a backslash or a control character
			return "", false
		}
	}
	return "", false
}

// stopsIn reports whether any of the eight bytes in x is one str stops
// at, eight at a time: a byte is a quote or a backslash when x XOR that
// byte repeated has a zero byte, a control character when subtracting
// 0x20 borrows from it, and at least 0x80 when its high bit is set.
func stopsIn(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q, bs := x^(ones*'"'), x^(ones*'\\')
	return ((q-ones)&^q|(bs-ones)&^bs|(x-ones*0x20)&^x|x)&highs != 0
}

// object reads {"name": flat value, ...} into dst. It declines a
// targetingKey that is neither a string nor null, which the caller
// explains when json.Unmarshal has decoded it.
func (d *ctxDecoder) object(dst ctxDest) bool {
	if !d.skip('{') {
		return false
	}
	if d.skip('}') {
		return true
	}
	for {
		k, ok := d.key()
		if !ok {
			return false
		}
		if k == "targetingKey" && !d.stringOrNull() {
			return false
		}
		slot := dst.Slot(k)
		v, ok := d.value(slot != eval.NoSlot)
		if !ok {
			return false
		}
		if slot != eval.NoSlot {
			dst.Set(slot, k, v)
		}
		if d.skip('}') {
			return true
		}
		if !d.skip(',') {
			return false
		}
	}
}

// stringOrNull reports whether the next value may be a string or null:
// it does not consume it.
func (d *ctxDecoder) stringOrNull() bool {
	d.space()
	return d.i < len(d.b) && (d.b[d.i] == '"' || d.b[d.i] == 'n')
}

// value reads a string, number, boolean or null; unless keep, it only
// checks it and returns nil, so that a value nobody reads costs no boxing.
func (d *ctxDecoder) value(keep bool) (any, bool) {
	d.space()
	if d.i >= len(d.b) {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '"':
		s, ok := d.str()
		if !keep {
			return nil, ok
		}
		return s, ok
	case c == 't' || c == 'f':
		if d.literal("true") {
			return true, true
		}
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		f, ok := d.number()
		if !keep {
			return nil, ok
		}
		return f, ok
	}
	return nil, false
}

// number reads a number as JSON defines it, as encoding/json does: a
// float64; it declines one out of float64's range, which json.Unmarshal
// rejects with its own message.
func (d *ctxDecoder) number() (float64, bool) {
	start := d.i
	d.i++ // the sign or first digit
	if d.b[start] == '-' && !d.digit() {
		return 0, false
	}
	if d.b[d.i-1] != '0' {
		d.digits()
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if !d.digit() {
			return 0, false
		}
		d.digits()
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if !d.digit() {
			return 0, false
		}
		d.digits()
	}
	f, err := strconv.ParseFloat(string(d.b[start:d.i]), 64)
	return f, err == nil
}

// digit consumes one digit.
func (d *ctxDecoder) digit() bool {
	if d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
		return true
	}
	return false
}

func (d *ctxDecoder) digits() {
	for d.digit() {
	}
}
