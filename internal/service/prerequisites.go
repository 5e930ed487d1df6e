package service

import (
	"fmt"
	"maps"
	"slices"

	ff "github.com/featureflags/featureflags"
)

// checkPrerequisiteVariants refuses a prerequisite of f that asks for a
// variant its flag does not have. flag returns a flag by name, nil when
// there is none: that the flag exists, is not archived and closes no cycle
// the store checks, inside the write's transaction.
func checkPrerequisiteVariants(f *ff.Flag, flag func(name string) *ff.Flag) error {
	for _, env := range slices.Sorted(maps.Keys(f.Targeting)) {
		t := f.Targeting[env]
		if t == nil {
			continue
		}
		for i, p := range t.Prerequisites {
			g := flag(p.Flag)
			if g == nil {
				continue
			}
			for j, v := range p.Variants {
				if !hasVariant(g, v) {
					return ff.FieldErrorf(fmt.Sprintf("targeting.%s.prerequisites[%d].variants[%d]", env, i, j),
						"flag %q has no variant %q; its variants: %v", g.Name, v, variantNames(g))
				}
			}
		}
	}
	return nil
}

func hasVariant(f *ff.Flag, v string) bool {
	return slices.Contains(variantNames(f), v)
}

// variantNames returns f's variants in order, a boolean flag's implicit
// "on" and "off" included.
func variantNames(f *ff.Flag) []string {
	names := make([]string, 0, len(f.Variants)+2)
	for name := range f.Variants {
		names = append(names, name)
	}
	if f.Type == ff.TypeBoolean || f.Type == "" {
		names = append(names, "on", "off")
	}
	slices.Sort(names)
	return slices.Compact(names)
}
