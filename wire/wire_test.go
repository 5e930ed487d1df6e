package wire

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/featureflags/featureflags"
)

func TestProject(t *testing.T) {
	f := &featureflags.Flag{Name: "f", Environments: map[string]bool{"prod": true, "dev": false},
		Targeting: map[string]*featureflags.Targeting{"dev": {OffVariant: "secret-dev-variant"}, "prod": {OffVariant: "off"}}}
	p := Project(f, "prod")
	if len(p.Environments) != 1 || !p.Environments["prod"] || len(p.Targeting) != 1 || p.Targeting["prod"].OffVariant != "off" {
		t.Fatalf("%+v", p)
	}
	if len(f.Environments) != 2 || len(f.Targeting) != 2 {
		t.Fatal("Project changed its input")
	}
	if p = Project(f, "staging"); p.Environments != nil || p.Targeting != nil {
		t.Fatalf("unknown environment: %+v", p)
	}
	b, _ := json.Marshal(NewConfig(3, "prod", []*featureflags.Flag{f, nil}, nil))
	if strings.Contains(string(b), "secret-dev-variant") || !strings.Contains(string(b), `"segments":[]`) {
		t.Fatalf("config %s", b)
	}
}

func TestETag(t *testing.T) {
	if ETag(42) != `"42"` {
		t.Fatal(ETag(42))
	}
	for tag, want := range map[string]int64{`"42"`: 42, `W/"7"`: 7, ` "0" `: 0} {
		if got, ok := ParseETag(tag); !ok || got != want {
			t.Errorf("ParseETag(%q) = %d, %t", tag, got, ok)
		}
	}
	for _, tag := range []string{"42", `"x"`, `"`, ""} {
		if _, ok := ParseETag(tag); ok {
			t.Errorf("ParseETag(%q) accepted", tag)
		}
	}
}
