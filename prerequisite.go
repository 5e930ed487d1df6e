package featureflags

import (
	"slices"
	"sort"
)

// Prerequisite requires the flag named Flag, in the same environment, to be
// on and to serve one of Variants.
type Prerequisite struct {
	Flag     string   `json:"flag"`
	Variants []string `json:"variants"`
}

// PrerequisiteRefs returns the sorted, distinct names of the flags f
// requires, in any environment. Stores check them inside the write's
// transaction: a flag never requires one that does not exist, nor one that
// is archived.
func (f *Flag) PrerequisiteRefs() []string {
	var names []string
	for _, t := range f.Targeting {
		if t == nil {
			continue
		}
		for _, p := range t.Prerequisites {
			names = append(names, p.Flag)
		}
	}
	sort.Strings(names)
	return slices.Compact(names)
}

// Requires reports whether f requires the flag name in some environment.
func (f *Flag) Requires(name string) bool {
	return slices.Contains(f.PrerequisiteRefs(), name)
}

// PrerequisitesIn returns the names of the flags f requires in env.
func (f *Flag) PrerequisitesIn(env string) []string {
	t := f.Targeting[env]
	if t == nil {
		return nil
	}
	names := make([]string, len(t.Prerequisites))
	for i, p := range t.Prerequisites {
		names[i] = p.Flag
	}
	return names
}
