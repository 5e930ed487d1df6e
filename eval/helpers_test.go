package eval

import (
	"errors"
	"testing"

	"github.com/featureflags/featureflags"
)

const prod = "production"

// testEnvs are the environments test snapshots are compiled for.
var testEnvs = []string{prod, "staging"}

// flagOn returns a flag that is on in production with targeting t there.
func flagOn(id string, typ featureflags.FlagType, variants map[string]any, t *featureflags.Targeting) *featureflags.Flag {
	return &featureflags.Flag{
		ID: id, Name: id, Type: typ, Variants: variants,
		Environments: map[string]bool{prod: true, "staging": false},
		Targeting:    map[string]*featureflags.Targeting{prod: t},
	}
}

// split serves a rollout of alternating variant names and weights.
func split(bucketBy string, pairs ...any) *featureflags.Serve {
	r := &featureflags.Rollout{BucketBy: bucketBy}
	for i := 0; i < len(pairs); i += 2 {
		r.Variants = append(r.Variants, featureflags.WeightedVariant{Variant: pairs[i].(string), Weight: pairs[i+1].(float64)})
	}
	return &featureflags.Serve{Rollout: r}
}

func segmentMap(segs []*featureflags.Segment) map[string]*featureflags.Segment {
	m := map[string]*featureflags.Segment{}
	for _, s := range segs {
		m[s.Name] = s
	}
	return m
}

// mustCompile validates every flag (failing the test on an error) and
// compiles them.
func mustCompile(t testing.TB, flags []*featureflags.Flag, segs ...*featureflags.Segment) *Snapshot {
	t.Helper()
	for _, s := range segs {
		if err := ValidateSegment(s, segmentMap(segs)); err != nil {
			t.Fatalf("ValidateSegment(%s): %v", s.Name, err)
		}
	}
	for _, f := range flags {
		if err := Validate(f, segmentMap(segs)); err != nil {
			t.Fatalf("Validate(%s): %v", f.Name, err)
		}
	}
	return Compile(flags, segs, testEnvs, 7)
}

// fieldOf returns the Field of an EINVALID *featureflags.Error, failing
// the test for any other error.
func fieldOf(t *testing.T, err error) string {
	t.Helper()
	var e *featureflags.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *featureflags.Error", err, err)
	}
	if e.Code != featureflags.EINVALID {
		t.Fatalf("error code %q, want %q", e.Code, featureflags.EINVALID)
	}
	return e.Field
}
