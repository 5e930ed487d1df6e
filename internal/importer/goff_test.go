package importer

import (
	"os"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
)

func TestGoff(t *testing.T) {
	data, err := os.ReadFile("testdata/goff.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Goff(data, "production")
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, f := range r.Dataset.Flags {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "banner-colour,new-admin-access" {
		t.Fatalf("imported %v, problems %+v", names, r.Problems)
	}
	reasons := map[string]string{}
	for _, p := range r.Problems {
		reasons[p.Flag] += p.Reason
	}
	if !strings.Contains(reasons["slow-ramp"], "progressive") || !strings.Contains(reasons["complex-query"], "or/parentheses") ||
		!strings.Contains(reasons["banner-colour"], "bucketed anew") {
		t.Fatalf("problems %+v", r.Problems)
	}
	snap := compile(t, r.Dataset)
	for _, tc := range []struct {
		ctx  eval.Context
		want any
	}{
		{eval.Context{"targetingKey": "u1", "email": "a@example.com", "plan": "pro"}, true},
		{eval.Context{"targetingKey": "u1", "email": "a@example.com", "plan": "free"}, false},
		{eval.Context{"targetingKey": "admin-1"}, true},
		{eval.Context{"targetingKey": "u2"}, false},
	} {
		if got := snap.Evaluate("production", "new-admin-access", tc.ctx); got.Value != tc.want {
			t.Errorf("%v: %v (%s %s), want %v", tc.ctx, got.Value, got.Reason, got.ErrorDetails, tc.want)
		}
	}
	if typ, _ := snap.Lookup("production", "banner-colour"); typ != ff.TypeString {
		t.Fatalf("banner-colour is %s", typ)
	}
}
