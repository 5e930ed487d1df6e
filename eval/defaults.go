package eval

import (
	"slices"

	"github.com/featureflags/featureflags"
)

// PinDefaults makes explicit, in each environment of envs, what a flag
// that is not boolean serves without targeting: an unset
// Targeting.DefaultServe becomes the variant whose name sorts first, and so
// does an unset OffVariant, which is what evaluation serves for them. The
// served defaults are then stored and shown with the flag, edited like any
// targeting, and adding a variant that sorts first no longer changes what
// the flag serves. Boolean flags serve "on" and "off" and are left alone.
func PinDefaults(f *featureflags.Flag, envs []string) {
	if f.Type == "" || f.Type == featureflags.TypeBoolean || len(f.Variants) == 0 {
		return
	}
	first := ""
	for name := range f.Variants {
		if first == "" || name < first {
			first = name
		}
	}
	for _, env := range slices.Sorted(slices.Values(envs)) {
		t := f.Targeting[env]
		if t == nil {
			t = &featureflags.Targeting{}
			if f.Targeting == nil {
				f.Targeting = map[string]*featureflags.Targeting{}
			}
			f.Targeting[env] = t
		}
		if t.DefaultServe == nil {
			t.DefaultServe = &featureflags.Serve{Variant: first}
		}
		if t.OffVariant == "" {
			t.OffVariant = first
		}
	}
}
