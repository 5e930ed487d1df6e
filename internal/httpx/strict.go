package httpx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	ff "github.com/featureflags/featureflags"
)

// Strictness encoding/json lacks. Its decoder matches keys to fields
// case-insensitively, lets the last of duplicate keys win and turns invalid
// UTF-8 into U+FFFD, so that {"name":"a","Name":"b"} would create "b". A
// pre-pass over the body's tokens, walking the destination's type beside
// them, refuses all three before encoding/json decodes it.

// checkStrict refuses a body that is not UTF-8, holds an unpaired UTF-16
// surrogate escape, repeats a key in one object, or names a field of t in
// other than its exact case (or a field t lacks).
func checkStrict(body []byte, t reflect.Type) error {
	if !utf8.Valid(body) {
		return ff.Errorf(ff.EINVALID, "the body is not valid UTF-8; send JSON encoded as UTF-8")
	}
	if i := loneSurrogate(body); i >= 0 {
		return ff.Errorf(ff.EINVALID, "the body is not valid JSON: an unpaired UTF-16 surrogate escape at byte %d", i)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return walk(dec, t, "")
}

// walk reads one value from dec, whose destination has type t (nil: any).
func walk(dec *json.Decoder, t reflect.Type, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return JSONError(err)
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch tok {
	case json.Delim('{'):
		return walkObject(dec, t, path)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walk(dec, elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		return closing(dec)
	}
	return nil
}

// closing reads the '}' or ']' that ends an object or array.
func closing(dec *json.Decoder) error {
	if _, err := dec.Token(); err != nil {
		return JSONError(err)
	}
	return nil
}

// walkObject reads an object's members, after its '{'.
func walkObject(dec *json.Decoder, t reflect.Type, path string) error {
	var fields map[string]reflect.Type
	var elem reflect.Type
	if t != nil && t.Kind() == reflect.Struct {
		fields = structFields(t)
	} else if t != nil && t.Kind() == reflect.Map {
		elem = t.Elem()
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return JSONError(err)
		}
		key, _ := tok.(string)
		field := join(path, key)
		if seen[key] {
			return &ff.Error{Code: ff.EINVALID, Field: field, Message: fmt.Sprintf("field %s appears twice; send each field once", field)}
		}
		seen[key] = true
		if fields != nil {
			ft, ok := fields[key]
			if !ok {
				return unknownField(fields, key, field)
			}
			elem = ft
		}
		if err := walk(dec, elem, field); err != nil {
			return err
		}
	}
	return closing(dec)
}

// join is path.key, or key at the top.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// unknownField explains a key that is no field, or a field in other case.
func unknownField(fields map[string]reflect.Type, key, field string) error {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return &ff.Error{Code: ff.EINVALID, Field: field,
				Message: fmt.Sprintf("unknown field %q; field names are case-sensitive: use %q", key, name)}
		}
	}
	return &ff.Error{Code: ff.EINVALID, Field: field, Message: fmt.Sprintf("unknown field %q; check its spelling", key)}
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// structFields maps the JSON names of t's fields (embedded structs' too)
// to their types.
func structFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	addFields(m, t)
	fieldCache.Store(t, m)
	return m
}

func addFields(m map[string]reflect.Type, t reflect.Type) {
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case tag == "-":
		case f.Anonymous && name == "" && ft.Kind() == reflect.Struct:
			addFields(m, ft)
		case !f.IsExported():
		case name == "":
			m[f.Name] = f.Type
		default:
			m[name] = f.Type
		}
	}
}

// loneSurrogate returns the offset of the first \uD800–\uDFFF escape that
// is not a high surrogate followed by a low one, or -1.
func loneSurrogate(b []byte) int {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			continue
		}
		if b[i+1] != 'u' {
			i++ // an escaped character, perhaps a backslash
			continue
		}
		r := hex4(b, i+2)
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return i
		case r >= 0xD800 && r <= 0xDBFF:
			if i+11 >= len(b) || b[i+6] != '\\' || b[i+7] != 'u' {
				return i
			}
			if lo := hex4(b, i+8); lo < 0xDC00 || lo > 0xDFFF {
				return i
			}
			i += 11
			continue
		}
		i += 5
	}
	return -1
}

// hex4 is the value of the four hex digits at b[i:], or -1.
func hex4(b []byte, i int) int {
	if i+4 > len(b) {
		return -1
	}
	v, err := strconv.ParseUint(string(b[i:i+4]), 16, 32)
	if err != nil {
		return -1
	}
	return int(v)
}
