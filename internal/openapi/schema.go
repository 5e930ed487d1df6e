package openapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
	"unicode"
)

// schemas turns Go types into JSON Schema (2020-12, as OpenAPI 3.1 uses)
// the way encoding/json encodes and decodes them: named structs become
// components referenced by $ref, fields follow their json tags, embedded
// structs are flattened. Answers list the fields always present as
// required; requests (decoded strictly) require nothing and refuse unknown
// fields, so their structs get components of their own ("…Input").
type schemas struct {
	components map[string]any
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// of returns the schema of t, for a request body when input is set.
func (s *schemas) of(t reflect.Type, input bool) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType || t.Kind() == reflect.Interface:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return s.of(t.Elem(), input)
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": s.element(t.Elem(), input)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": s.element(t.Elem(), input)}
	case reflect.Struct:
		return s.object(t, input)
	}
	panic("openapi: no schema for " + t.String())
}

// object returns a $ref to the component of a named struct, creating it
// on first use, or the inline schema of an anonymous one.
func (s *schemas) object(t reflect.Type, input bool) map[string]any {
	if t.Name() == "" {
		return s.fields(t, input)
	}
	name := componentName(t, input)
	ref := map[string]any{"$ref": "#/components/schemas/" + name}
	if _, ok := s.components[name]; !ok {
		s.components[name] = nil // a placeholder ends recursion
		s.components[name] = s.fields(t, input)
	}
	return ref
}

// componentName is t's name, capitalised, with "Input" for requests.
func componentName(t reflect.Type, input bool) string {
	r := []rune(t.Name())
	r[0] = unicode.ToUpper(r[0])
	if input {
		return string(r) + "Input"
	}
	return string(r)
}

// fields is the object schema of struct t.
func (s *schemas) fields(t reflect.Type, input bool) map[string]any {
	props := map[string]any{}
	var required []string
	s.addFields(t, input, props, &required)
	out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 && !input {
		out["required"] = required
	}
	return out
}

func (s *schemas) addFields(t reflect.Type, input bool, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				s.addFields(ft, input, props, required)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		omit := strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
		schema := s.of(ft, input)
		if !omit && nilable(ft) {
			schema = orNull(schema)
		}
		props[name] = schema
		if !omit {
			*required = append(*required, name)
		}
	}
}

// element is the schema of a slice's or map's element: a pointer one may
// be null (encoding/json writes nil elements as null).
func (s *schemas) element(t reflect.Type, input bool) map[string]any {
	if t.Kind() == reflect.Pointer {
		return orNull(s.of(t, input))
	}
	return s.of(t, input)
}

// nilable tells whether encoding/json may write a value of t as null.
func nilable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return t != rawType
	}
	return false
}

// orNull lets schema be null too.
func orNull(schema map[string]any) map[string]any {
	if len(schema) == 0 {
		return schema // anything already
	}
	if typ, ok := schema["type"].(string); ok {
		out := map[string]any{}
		for k, v := range schema {
			out[k] = v
		}
		out["type"] = []string{typ, "null"}
		return out
	}
	return map[string]any{"anyOf": []any{schema, map[string]any{"type": "null"}}}
}
