package ofrepjson

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/featureflags/featureflags/eval"
)

// AppendValue appends v as JSON: the types decoding JSON gives, maps with
// their keys sorted as encoding/json sorts them. Anything else goes through
// encoding/json. It reports false for what JSON cannot hold (NaN, say).
func AppendValue(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		if x {
			return append(b, "true"...), true
		}
		return append(b, "false"...), true
	case string:
		return AppendString(b, x), true
	case float64:
		return appendFloat(b, x)
	case map[string]any:
		return appendObject(b, x)
	case []any:
		return appendArray(b, x)
	case eval.Context:
		return appendObject(b, x)
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return b, false
	}
	return append(b, enc...), true
}

// appendObject appends m with its keys sorted.
func appendObject(b []byte, m map[string]any) ([]byte, bool) {
	if len(m) == 0 {
		return append(b, "{}"...), true
	}
	var small [16]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		var ok bool
		if b, ok = AppendValue(b, m[k]); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

func appendArray(b []byte, a []any) ([]byte, bool) {
	b = append(b, '[')
	for i, e := range a {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = AppendValue(b, e); !ok {
			return b, false
		}
	}
	return append(b, ']'), true
}

// appendFloat formats f as encoding/json does: the shortest representation,
// exponent notation only outside [1e-6, 1e21).
func appendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	if i := int64(f); float64(i) == f && i > -1e15 && i < 1e15 && (i != 0 || !math.Signbit(f)) {
		return strconv.AppendInt(b, i, 10), true // integers, fast
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

const hexDigits = "0123456789abcdef"

// plainASCII marks the bytes a JSON string holds as they are.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// AppendString appends s as a JSON string. Unlike strconv.AppendQuote it
// writes only escapes JSON has; invalid UTF-8 becomes U+FFFD, and U+2028
// and U+2029 are escaped as encoding/json does.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	i := 0
	for i < len(s) && plainASCII[s[i]] {
		i++
	}
	if i == len(s) { // the common case: nothing to escape
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = appendASCIIEscape(b, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendASCIIEscape appends the escape of c: a quote, a backslash or a
// control character.
func appendASCIIEscape(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
}
