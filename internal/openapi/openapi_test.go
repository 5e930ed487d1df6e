package openapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

type inner struct {
	When time.Time `json:"when"`
}

type outer struct {
	*inner
	Name    string          `json:"name"`
	Note    string          `json:"note,omitempty"`
	Ptr     *int            `json:"ptr"`
	Tags    []string        `json:"tags"`
	Labels  map[string]bool `json:"labels,omitempty"`
	Raw     json.RawMessage `json:"raw,omitempty"`
	Any     any             `json:"any"`
	Hidden  string          `json:"-"`
	Nested  *inner          `json:"nested,omitempty"`
	private string
}

func encode(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestSchemaFollowsEncodingJSON: embedded fields flatten, tags name and
// hide fields, fields without omitempty are required (nullable when they
// may encode as null), requests require nothing.
func TestSchemaFollowsEncodingJSON(t *testing.T) {
	s := schemas{components: map[string]any{}}
	if ref := s.of(reflect.TypeFor[outer](), false); ref["$ref"] != "#/components/schemas/Outer" {
		t.Fatalf("ref %v", ref)
	}
	got := encode(t, s.components["Outer"])
	want := `{"additionalProperties":false,"properties":{` +
		`"any":{},"labels":{"additionalProperties":{"type":"boolean"},"type":"object"},` +
		`"name":{"type":"string"},"nested":{"$ref":"#/components/schemas/Inner"},"note":{"type":"string"},` +
		`"ptr":{"type":["integer","null"]},"raw":{},"tags":{"items":{"type":"string"},"type":["array","null"]},` +
		`"when":{"format":"date-time","type":"string"}},` +
		`"required":["when","name","ptr","tags","any"],"type":"object"}`
	if got != want {
		t.Errorf("schema\n got %s\nwant %s", got, want)
	}
	s.of(reflect.TypeFor[outer](), true)
	if in := s.components["OuterInput"].(map[string]any); in["required"] != nil {
		t.Errorf("a request schema requires %v", in["required"])
	}
}

// TestDocument: path parameters come from the pattern, secured operations
// name the schemes, statuses and bodies are as declared.
func TestDocument(t *testing.T) {
	b := NewBuilder("t", "1", "d")
	b.Add("GET", "/things/{id}", true, Operation{Summary: "get", Responses: map[int]Response{200: {Body: inner{}, Headers: []string{"ETag"}}, 404: {}}})
	b.Add("GET", "/files/{path...}", false, Operation{Summary: "file", Responses: map[int]Response{200: {ContentType: "text/plain", Body: ""}}})
	doc := encode(t, b.Document())
	for _, want := range []string{
		`"openapi":"3.1.0"`,
		`"/things/{id}":{"get":{"parameters":[{"in":"path","name":"id","required":true,"schema":{"type":"string"}}]`,
		`"security":[{"bearer":[]},{"apiKey":[]}]`,
		`"404":{"description":"Not Found"}`,
		`"/files/{path}":{"get":{"parameters":[{"in":"path","name":"path"`,
		`"text/plain":{"schema":{"type":"string"}}`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %s\n%s", want, doc)
		}
	}
}
