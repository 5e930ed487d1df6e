package service

import (
	"fmt"
	"maps"
	"slices"

	ff "github.com/featureflags/featureflags"
)

// Limits bound what one flag or segment may hold and how many flags there
// may be, so that no single write can make the store, the view or every
// evaluation snapshot arbitrarily large. Each has a name (that of its
// command-line flag) that errors give.
type Limits struct {
	// RulesPerFlag bounds the rules of one flag in one environment.
	RulesPerFlag int
	// ConditionsPerRule bounds the conditions of one rule.
	ConditionsPerRule int
	// ValuesPerList bounds the values of a list condition (in, notIn, ...).
	ValuesPerList int
	// SegmentConditions bounds the conditions of one segment.
	SegmentConditions int
	// Flags bounds the number of flags.
	Flags int
	// Depth bounds the nesting of variant values (ff.LimitDepth), so that
	// everything accepted can be exported, streamed and reloaded.
	Depth int
	// TagsPerFlag bounds the tags of one flag.
	TagsPerFlag int
}

// The limits' names, as errors and the command line give them.
const (
	LimitRulesPerFlag      = "max-rules-per-flag"
	LimitConditionsPerRule = "max-conditions-per-rule"
	LimitValuesPerList     = "max-values-per-list"
	LimitSegmentConditions = "max-segment-conditions"
	LimitFlags             = "max-flags"
	LimitTagsPerFlag       = "max-tags-per-flag"
)

// DefaultLimits are the limits unless configured otherwise.
func DefaultLimits() Limits {
	return Limits{RulesPerFlag: 100, ConditionsPerRule: 50, ValuesPerList: 1000, SegmentConditions: 100, Flags: 100000, Depth: ff.DefaultMaxDepth, TagsPerFlag: 50}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	for _, p := range []struct{ v, def *int }{
		{&l.RulesPerFlag, &d.RulesPerFlag}, {&l.ConditionsPerRule, &d.ConditionsPerRule},
		{&l.ValuesPerList, &d.ValuesPerList}, {&l.SegmentConditions, &d.SegmentConditions},
		{&l.Flags, &d.Flags}, {&l.Depth, &d.Depth}, {&l.TagsPerFlag, &d.TagsPerFlag},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	return l
}

func overLimit(limit, field string, have, max int, what string) error {
	e := ff.FieldErrorf(field, "%s has %d %s; at most %d are allowed (limit %s)", field, have, what, max, limit)
	e.Limit = limit
	return e
}

// checkFlag checks f's targeting against the limits, environments in name
// order so that the error is always the same one.
func (l Limits) checkFlag(f *ff.Flag) error {
	names := make([]string, 0, len(f.Variants))
	for name := range f.Variants {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := ff.CheckDepth("variants."+name, f.Variants[name], l.Depth); err != nil {
			return err
		}
	}
	for _, env := range slices.Sorted(maps.Keys(f.Targeting)) {
		t := f.Targeting[env]
		if t == nil {
			continue
		}
		at := "targeting." + env
		if len(t.Rules) > l.RulesPerFlag {
			return overLimit(LimitRulesPerFlag, at+".rules", len(t.Rules), l.RulesPerFlag, "rules")
		}
		for i, r := range t.Rules {
			field := fmt.Sprintf("%s.rules[%d].conditions", at, i)
			if len(r.Conditions) > l.ConditionsPerRule {
				return overLimit(LimitConditionsPerRule, field, len(r.Conditions), l.ConditionsPerRule, "conditions")
			}
			if err := l.checkValues(field, r.Conditions); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkSegment checks sg's conditions against the limits.
func (l Limits) checkSegment(sg *ff.Segment) error {
	if len(sg.Conditions) > l.SegmentConditions {
		return overLimit(LimitSegmentConditions, "conditions", len(sg.Conditions), l.SegmentConditions, "conditions")
	}
	return l.checkValues("conditions", sg.Conditions)
}

// checkValues checks the list values of conditions.
func (l Limits) checkValues(field string, cs []ff.Condition) error {
	for i, c := range cs {
		n := 0
		switch list := c.Value.(type) {
		case []any:
			n = len(list)
		case []string:
			n = len(list)
		}
		if n > l.ValuesPerList {
			return overLimit(LimitValuesPerList, fmt.Sprintf("%s[%d].value", field, i), n, l.ValuesPerList, "values")
		}
	}
	return nil
}

// checkFlagCount refuses to go beyond the limit of flags: have flags and n
// more.
func (l Limits) checkFlagCount(have, n int) error {
	if have+n <= l.Flags {
		return nil
	}
	e := ff.Errorf(ff.ECONFLICT,
		"there would be %d flags; at most %d are allowed (limit %s): delete flags or raise the limit", have+n, l.Flags, LimitFlags)
	e.Limit = LimitFlags
	return e
}
