// Package importer reads the flag definitions of other systems (flagd, GO
// Feature Flag, Unleash) into a dataset, and writes a dataset as flagd flag
// definitions. What the target cannot express is reported per flag with the
// reason, never dropped silently.
package importer

import (
	"fmt"
	"math"
	"slices"

	ff "github.com/featureflags/featureflags"
)

// Problem is something of one flag that could not be carried over, or only
// approximately: the flag is left out unless Approximate is set.
type Problem struct {
	Flag        string `json:"flag"`
	Reason      string `json:"reason"`
	Approximate bool   `json:"approximate,omitempty"`
}

// Result is an import: the dataset to apply and what it could not express.
type Result struct {
	Dataset  *ff.Dataset `json:"dataset"`
	Problems []Problem   `json:"problems"`
}

// notExpressible is the error a translation returns for input the model
// cannot hold; the flag is reported and left out.
type notExpressible struct{ reason string }

func (e *notExpressible) Error() string { return e.reason }

func cannot(format string, args ...any) error {
	return &notExpressible{fmt.Sprintf(format, args...)}
}

// newResult returns an empty result with the given environments.
func newResult(envs ...string) *Result {
	d := &ff.Dataset{Environments: []*ff.Environment{}, Flags: []*ff.Flag{}, Segments: []*ff.Segment{}}
	for _, e := range envs {
		d.Environments = append(d.Environments, &ff.Environment{Name: e})
	}
	return &Result{Dataset: d, Problems: []Problem{}}
}

// newFlag returns a flag with the identity an import needs.
func newFlag(name string) *ff.Flag {
	return &ff.Flag{ID: ff.NewID(), Name: name, Version: 1, Environments: map[string]bool{}, Targeting: map[string]*ff.Targeting{}}
}

// addFlag adds f, or reports err against the flag's name.
func (r *Result) addFlag(name string, f *ff.Flag, err error) {
	if err != nil {
		r.Problems = append(r.Problems, Problem{Flag: name, Reason: err.Error()})
		return
	}
	r.Dataset.Flags = append(r.Dataset.Flags, f)
}

// approximate records that a flag was imported with a loss.
func (r *Result) approximate(name, reason string) {
	r.Problems = append(r.Problems, Problem{Flag: name, Reason: reason, Approximate: true})
}

// typeOf infers a flag type from its variant values: all booleans, all
// strings, all numbers or all objects.
func typeOf(values map[string]any) (ff.FlagType, error) {
	var t ff.FlagType
	for _, name := range sortedKeys(values) {
		vt := valueType(values[name])
		if vt == "" {
			return "", cannot("variant %q has a value of no supported type", name)
		}
		if t != "" && vt != t {
			return "", cannot("variants mix %s and %s values; a flag has one type", t, vt)
		}
		t = vt
	}
	if t == "" {
		return "", cannot("the flag has no variants")
	}
	return t, nil
}

func valueType(v any) ff.FlagType {
	switch v.(type) {
	case bool:
		return ff.TypeBoolean
	case string:
		return ff.TypeString
	case float64, int, int64:
		return ff.TypeNumber
	case map[string]any:
		return ff.TypeObject
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// share is one variant's part of a split in another system's weights.
type share struct {
	variant string
	weight  float64
}

// split turns shares of a total into rollout weights in percent with
// cumulative bounds floor(c × 100,000 / total) buckets, the bounds under
// which the eval package's schemes choose exactly as the source did. exact
// is false when a bound is not a whole number of buckets, so that users
// near it may change variant (flagd's multiply-shift schemes only).
func split(shares []share) (vs []ff.WeightedVariant, exact bool) {
	var total float64
	for _, s := range shares {
		total += s.weight
	}
	exact = true
	var cum, prev float64
	for _, s := range shares {
		cum += s.weight
		bound := cum * 100000 / total
		if bound != math.Floor(bound) {
			exact = false
		}
		bound = math.Floor(bound)
		vs = append(vs, ff.WeightedVariant{Variant: s.variant, Weight: (bound - prev) / 1000})
		prev = bound
	}
	return vs, exact
}
