package schema_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/featureflags/featureflags/schema"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.JSON))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("featureflags.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("featureflags.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// instance reads a YAML file as the plain JSON values a schema checks.
func instance(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestExampleValidates: the published example is valid against the
// published schema.
func TestExampleValidates(t *testing.T) {
	if err := compileSchema(t).Validate(instance(t, schema.Example)); err != nil {
		t.Fatalf("example.yaml: %v", err)
	}
}

// TestBadFilesDoNot: each file under testdata breaks one rule the schema
// states (an unknown scheme, a bad name, a misspelt field).
func TestBadFilesDoNot(t *testing.T) {
	s := compileSchema(t)
	files, _ := filepath.Glob("testdata/bad-*.yaml")
	if len(files) < 3 {
		t.Fatalf("found %d bad files", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(instance(t, data)); err == nil {
			t.Errorf("%s validates", f)
		}
	}
}
