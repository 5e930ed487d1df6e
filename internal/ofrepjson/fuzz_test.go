package ofrepjson

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/wire"
)

// TestSeedFormat checks that the seed builders write what gen reads.
func TestSeedFormat(t *testing.T) {
	got := (&gen{data: seedValue("s")}).value(0)
	want := map[string]any{
		"s":      []any{"s", 1e15, 999999999999999.0, 123456789012345678.0, 0.000001, 5e-324, 1.7976931348623157e308, -1.5e-10},
		"nested": map[string]any{"deeper": map[string]any{"s": true}},
		"null":   nil,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
	if v := (&gen{data: bits(math.Inf(-1))}).value(0); v != math.Inf(-1) {
		t.Fatalf("got %v", v)
	}
}

// FuzzAppend checks that every answer the encoder writes decodes to the same
// value as encoding/json's encoding of the protocol shape, and that the
// encoder refuses exactly what encoding/json refuses. Strings are arbitrary
// bytes (invalid UTF-8 included); value describes a JSON value in the
// format gen reads.
func FuzzAppend(f *testing.F) {
	for _, s := range seedStrings {
		f.Add(s, "variant-"+s, eval.ReasonSplit, s, seedValue(s))
	}
	f.Add("k", "", "", "", obj("a", arr(num("1e21"), num("1e-7"), num("-0")), "b", obj("c", str("\u2028"))))
	f.Add("k", "on", eval.ReasonStatic, "", bits(math.Inf(1)))
	f.Add("k", "on", "CUSTOM \"reason\"", "d", bits(math.NaN()))
	f.Add("k", "", eval.ReasonDefault, "", []byte{kindNull})
	f.Fuzz(func(t *testing.T, key, variant, reason, details string, value []byte) {
		v := (&gen{data: value}).value(0)
		reason = nonError(reason)
		flag := &ff.Flag{Owner: details, Kind: ff.FlagKind(variant), Tags: nonEmpty(key, reason), Version: int64(len(value))}
		meta, wantMeta := eval.MetadataOf(flag), metadataMap(flag)
		success := &eval.Result{Key: key, Value: v, Variant: variant, Reason: reason, Metadata: meta}
		got, ok := AppendSuccess(nil, success)
		checkSame(t, got, ok, wire.OFREPSuccess{Key: key, Value: v, Reason: reason, Variant: variant, Metadata: wantMeta})
		item := AppendItem(nil, success)
		if ok {
			checkSame(t, item, true, wire.OFREPSuccess{Key: key, Value: v, Reason: reason, Variant: variant, Metadata: wantMeta})
		} else {
			checkSame(t, item, true, wire.OFREPFailure{Key: key, ErrorCode: eval.ErrorGeneral, ErrorDetails: "the value could not be encoded as JSON", Metadata: wantMeta})
		}
		failure := &eval.Result{Key: key, Reason: eval.ReasonError, ErrorCode: variant, ErrorDetails: details}
		code := variant
		if code == "" {
			code = eval.ErrorGeneral
		}
		checkSame(t, AppendItem(nil, failure), true, wire.OFREPFailure{Key: key, ErrorCode: code, ErrorDetails: details})
	})
}

// nonEmpty returns the strings that are not empty (a flag's tags).
func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// metadataMap is the metadata of f as a client decodes it.
func metadataMap(f *ff.Flag) map[string]any {
	m := map[string]any{"version": float64(f.Version)}
	for k, v := range map[string]string{"owner": f.Owner, "kind": string(f.Kind), "tags": strings.Join(f.Tags, ",")} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// nonError keeps a fuzzed success's reason from being ERROR, which makes
// AppendItem write a failure instead.
func nonError(reason string) string {
	if reason == eval.ReasonError {
		return eval.ReasonDefault
	}
	return reason
}

// checkSame fails unless got (with ok) decodes to the value encoding/json
// gives for want, and ok is whether encoding/json can encode want.
func checkSame(t *testing.T, got []byte, ok bool, want any) {
	t.Helper()
	enc, err := json.Marshal(want)
	if ok != (err == nil) {
		t.Fatalf("encoder ok %t, encoding/json error %v", ok, err)
	}
	if !ok {
		return
	}
	var gotV, wantV any
	if err := json.Unmarshal(got, &gotV); err != nil {
		t.Fatalf("encoder wrote invalid JSON %q: %v", got, err)
	}
	if err := json.Unmarshal(enc, &wantV); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotV, wantV) {
		t.Fatalf("encoder wrote %s\nencoding/json wrote %s", got, enc)
	}
}

// The kinds of value gen reads: a kind byte, then for a string or a number
// in text a length byte and that many bytes, for bits 8 bytes of an IEEE 754
// double, for an object or array a count byte and that many members (an
// object's as key string then value).
const (
	kindNull = iota
	kindFalse
	kindTrue
	kindString
	kindNumber // text parsed by strconv.ParseFloat: 1e21, -0, 5e-324
	kindBits   // any double, NaN and infinities included
	kindObject
	kindArray
	kindCount
)

// gen builds the values decoding JSON gives (nil, bool, string, float64,
// map[string]any, []any) from fuzz bytes; it never fails, running out of
// bytes gives zeros.
type gen struct{ data []byte }

// maxDepth bounds nesting; maxMembers the members of an object or array.
const (
	maxDepth   = 5
	maxMembers = 16
)

func (g *gen) byte() byte {
	if len(g.data) == 0 {
		return 0
	}
	c := g.data[0]
	g.data = g.data[1:]
	return c
}

func (g *gen) bytes(n int) []byte {
	n = min(n, len(g.data))
	b := g.data[:n]
	g.data = g.data[n:]
	return b
}

func (g *gen) string() string { return string(g.bytes(int(g.byte()))) }

func (g *gen) value(depth int) any {
	switch g.byte() % kindCount {
	case kindFalse:
		return false
	case kindTrue:
		return true
	case kindString:
		return g.string()
	case kindNumber:
		f, _ := strconv.ParseFloat(g.string(), 64) // out of range gives ±Inf
		return f
	case kindBits:
		var b [8]byte
		copy(b[:], g.bytes(8))
		return math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
	case kindObject:
		return g.object(depth)
	case kindArray:
		return g.array(depth)
	}
	return nil
}

func (g *gen) object(depth int) any {
	n := int(g.byte() % maxMembers)
	m := make(map[string]any, n)
	for range n {
		k := g.string()
		if depth < maxDepth {
			m[k] = g.value(depth + 1)
		} else {
			m[k] = g.string()
		}
	}
	return m
}

func (g *gen) array(depth int) any {
	n := int(g.byte() % maxMembers)
	a := make([]any, 0, n)
	for range n {
		if depth < maxDepth {
			a = append(a, g.value(depth+1))
		} else {
			a = append(a, g.string())
		}
	}
	return a
}

// Seed builders: the bytes gen reads as the value given.

func str(s string) []byte { return append([]byte{kindString}, lenString(s)...) }
func num(s string) []byte { return append([]byte{kindNumber}, lenString(s)...) }

func lenString(s string) []byte {
	if len(s) > math.MaxUint8 {
		panic("seed string too long: " + s)
	}
	return append([]byte{byte(len(s))}, s...)
}

func count(n int) byte {
	if n >= maxMembers {
		panic("too many members in a seed: " + strconv.Itoa(n))
	}
	return byte(n)
}

func bits(f float64) []byte {
	return binary.LittleEndian.AppendUint64([]byte{kindBits}, math.Float64bits(f))
}

// obj takes key, value, key, value...: keys as strings, values as built.
func obj(kv ...any) []byte {
	b := []byte{kindObject, count(len(kv) / 2)}
	for i := 0; i < len(kv); i += 2 {
		b = append(b, lenString(kv[i].(string))...)
		b = append(b, kv[i+1].([]byte)...)
	}
	return b
}

func arr(elems ...[]byte) []byte {
	b := []byte{kindArray, count(len(elems))}
	for _, e := range elems {
		b = append(b, e...)
	}
	return b
}

// seedStrings cover every escape JSON has, the characters encoding/json
// treats specially, multi-byte and invalid UTF-8.
var seedStrings = []string{
	"",
	"plain",
	"quote \" backslash \\ slash /",
	"\b\f\n\r\t",
	"\x00\x01\x1f\x7f",
	"<script>&amp;</script>",
	"line\u2028para\u2029end",
	"héllo 世界 🎉",
	"\xff\xfe bad \xc3\x28 utf-8 \xed\xa0\x80",
	"\U0010ffff\ufffd",
}

// seedValue nests s among numbers at the edges of encoding/json's formats.
func seedValue(s string) []byte {
	return obj(s, arr(str(s), num("1e15"), num("999999999999999"), num("123456789012345678"),
		num("0.000001"), num("5e-324"), num("1.7976931348623157e308"), num("-1.5e-10")),
		"nested", obj("deeper", obj(s, []byte{kindTrue})), "null", []byte{kindNull})
}
