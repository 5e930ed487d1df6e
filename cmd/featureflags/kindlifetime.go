package main

import (
	"fmt"
	"maps"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
)

// kindLifetimes is --kind-lifetime: the expected lifetime of each flag kind,
// "release=40d,experiment=40d,operational=7d". A kind given "permanent" (or
// 0) never becomes overdue by age; kinds not given keep their defaults.
type kindLifetimes map[ff.FlagKind]time.Duration

func (k *kindLifetimes) String() string {
	if k == nil {
		return ""
	}
	var parts []string
	for _, kind := range ff.Kinds {
		if d, ok := (*k)[kind]; ok {
			s := days(d)
			parts = append(parts, string(kind)+"="+s.String())
		}
	}
	return strings.Join(parts, ",")
}

func (k *kindLifetimes) Set(v string) error {
	out := maps.Clone(*k)
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		name, life, ok := strings.Cut(item, "=")
		kind := ff.FlagKind(strings.TrimSpace(name))
		if !ok || kind == "" {
			return fmt.Errorf("%q is not kind=lifetime, e.g. release=40d", item)
		}
		if err := ff.CheckKind(kind); err != nil {
			return err
		}
		var d days
		if life = strings.TrimSpace(life); life != "permanent" {
			if err := d.Set(life); err != nil {
				return err
			}
		}
		if d < 0 {
			return fmt.Errorf("the lifetime of %s must not be negative", kind)
		}
		delete(out, kind)
		if d > 0 {
			out[kind] = time.Duration(d)
		}
	}
	*k = out
	return nil
}
