package server

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzQuickContext holds the hand decoder to json.Unmarshal: whenever it
// decodes a body, json.Unmarshal decodes the same context from it.
func FuzzQuickContext(f *testing.F) {
	for _, s := range []string{
		`{"context":{"targetingKey":"user-1","country":"NZ","age":42,"beta":true,"x":null}}`,
		`{}`, `{"context":null}`, `{"context":{}}`, ` { "context" : { "a" : -0.5e+3 , "a" : "b" } } `,
		`{"context":{"n":0123}}`, `{"context":{"n":-}}`, `{"context":{"n":1e400}}`, `{"context":{"s":"\u00e9"}}`,
		`{"Context":{"a":1}}`, `{"context":{"o":{"p":1}}}`, `{"context":{"a":1},"x":2}`, "{\"context\":{\"s\":\"\xff\"}}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := quickContext(body)
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

// TestQuickContextDeclines lists shapes left to json.Unmarshal.
func TestQuickContextDeclines(t *testing.T) {
	for _, s := range []string{`{"context":{"o":{"p":1}}}`, `{"context":{"s":"a\"b"}}`, `{"Context":{}}`,
		`{"context":{"n":01}}`, `{"context":{"n":1e400}}`, `{"context":{"a":1},"x":2}`, `{"context":[]}`, `{"context":{"a":1}} x`} {
		if ctx, ok := quickContext([]byte(s)); ok {
			t.Errorf("%s: decoded by hand as %v", s, ctx)
		}
	}
	if ctx, ok := quickContext([]byte(`{"context":{"k":"v","n":-1.5e2,"t":true,"f":false,"z":null}}`)); !ok ||
		!reflect.DeepEqual(map[string]any(ctx), map[string]any{"k": "v", "n": -150.0, "t": true, "f": false, "z": nil}) {
		t.Fatalf("flat context: %v, %t", ctx, ok)
	}
}

// TestQuickContextSharesOneCopy: the names and string values of a context
// are slices of one copy of the body, so four string members cost only
// their boxing into the map's values, not two strings each.
func TestQuickContextSharesOneCopy(t *testing.T) {
	allocs := func(body string) float64 {
		b := []byte(body)
		return testing.AllocsPerRun(100, func() {
			if _, ok := quickContext(b); !ok {
				t.Fatalf("%s declined", body)
			}
		})
	}
	empty := allocs(`{"context":{"n":1}}`)
	four := allocs(`{"context":{"n":1,"targetingKey":"user-1","country":"NZ","plan":"team","email":"a@b.c"}}`)
	if four-empty > 4 {
		t.Fatalf("four string members cost %v allocations, want at most 4 (one boxing each)", four-empty)
	}
}
