package eval

import (
	"maps"
	"slices"

	"github.com/featureflags/featureflags"
)

// Validate checks a flag before it is written, against the segments that
// exist (keyed by name). It compiles the flag as Compile would and returns the
// first problem as an EINVALID *featureflags.Error whose Field is the JSON
// path of the culprit, e.g. "targeting.production.rules[2].conditions[1].value".
// Targeting is checked for every environment it names, in name order.
func Validate(f *featureflags.Flag, segments map[string]*featureflags.Segment) error {
	if f == nil {
		return featureflags.FieldErrorf("", "a flag is required")
	}
	c := newCompiler(segments)
	d, err := c.flag(f)
	if err != nil {
		return err
	}
	for _, env := range slices.Sorted(maps.Keys(f.Targeting)) {
		if _, err := c.env(d, env, f.Targeting[env], f.Environments[env]); err != nil {
			return err
		}
	}
	return nil
}

// ValidateSegment checks a segment before it is written, as it would replace
// the segment of the same name among segments (keyed by name): its match, its
// conditions, the segments it refers to and the absence of reference cycles.
// Fields are relative to the segment, e.g. "conditions[0].value".
func ValidateSegment(s *featureflags.Segment, segments map[string]*featureflags.Segment) error {
	if s == nil {
		return featureflags.FieldErrorf("", "a segment is required")
	}
	c := newCompiler(segments)
	c.override = s
	if _, err := c.segment(s.Name); err != nil {
		return err
	}
	return nil
}
