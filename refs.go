package featureflags

import (
	"slices"
	"sort"
)

// isSegmentOperator reports whether a condition with this operator names a
// segment in its value.
func isSegmentOperator(op string) bool { return op == "inSegment" || op == "notInSegment" }

// segmentRefs returns the sorted, distinct segment names conds refer to.
func segmentRefs(names []string, conds []Condition) []string {
	for _, c := range conds {
		if name, ok := c.Value.(string); ok && isSegmentOperator(c.Operator) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return slices.Compact(names)
}

// SegmentRefs returns the sorted names of the segments f's targeting
// refers to, in any environment. Stores check them inside the write's
// transaction: a flag never refers to a segment that does not exist.
func (f *Flag) SegmentRefs() []string {
	var names []string
	for _, t := range f.Targeting {
		names = append(names, t.SegmentRefs()...)
	}
	sort.Strings(names)
	return slices.Compact(names)
}

// SegmentRefs returns the sorted names of the segments t's rules refer to
// (none for a nil t).
func (t *Targeting) SegmentRefs() []string {
	if t == nil {
		return nil
	}
	var names []string
	for _, r := range t.Rules {
		names = segmentRefs(names, r.Conditions)
	}
	return names
}

// SegmentRefs returns the sorted names of the segments s's conditions
// refer to.
func (s *Segment) SegmentRefs() []string { return segmentRefs(nil, s.Conditions) }

// SegmentCycle returns the names along a cycle of references among
// segments (the first name repeated at the end), or nil if there is none.
func SegmentCycle(segments []*Segment) []string {
	refs := make(map[string][]string, len(segments))
	for _, s := range segments {
		refs[s.Name] = s.SegmentRefs()
	}
	const (
		unseen = iota
		onPath
		done
	)
	state := make(map[string]int, len(refs))
	var path []string
	var visit func(name string) []string
	visit = func(name string) []string {
		switch state[name] {
		case onPath:
			i := slices.Index(path, name)
			return append(slices.Clone(path[i:]), name)
		case done:
			return nil
		}
		state[name] = onPath
		path = append(path, name)
		for _, next := range refs[name] {
			if cycle := visit(next); cycle != nil {
				return cycle
			}
		}
		path = path[:len(path)-1]
		state[name] = done
		return nil
	}
	for _, s := range segments {
		if cycle := visit(s.Name); cycle != nil {
			return cycle
		}
	}
	return nil
}
