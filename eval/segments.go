package eval

import (
	"strconv"
	"strings"

	"github.com/featureflags/featureflags"
)

// segment is a compiled featureflags.Segment.
type segment struct {
	any   bool // Match "any" rather than "all"
	conds []condition
}

// contains reports whether ctx is in the segment. A segment without
// conditions contains nobody, whatever its Match.
func (s *segment) contains(ctx view, w *int64) bool {
	return run(s.conds, ctx, w) >= 0
}

// segment compiles the named segment once, detecting reference cycles. Its
// errors carry fields relative to the segment (conditions[0].value), or none
// when the segment is unknown or part of a cycle.
func (c *compiler) segment(name string) (*segment, *featureflags.Error) {
	if s, ok := c.done[name]; ok {
		return s, nil
	}
	if err, ok := c.failed[name]; ok {
		return nil, err
	}
	src := c.sources[name]
	if c.override != nil && c.override.Name == name {
		src = c.override
	}
	if src == nil {
		return nil, &featureflags.Error{Code: featureflags.EINVALID, Message: "unknown segment " + strconv.Quote(name)}
	}
	if c.visiting[name] {
		return nil, &featureflags.Error{Code: featureflags.EINVALID, Message: "segment " + strconv.Quote(name) + " refers to itself through a cycle of segments"}
	}
	c.visiting[name] = true
	s, err := c.segmentBody(src)
	delete(c.visiting, name)
	if err != nil {
		c.failed[name] = err
		return nil, err
	}
	c.done[name] = s
	return s, nil
}

func (c *compiler) segmentBody(src *featureflags.Segment) (*segment, *featureflags.Error) {
	outer := c.regexLeft // a segment has an allowance of its own
	c.regexLeft = MaxRegexTotal()
	defer func() { c.regexLeft = outer }()
	s := &segment{}
	switch src.Match {
	case "", "all":
	case "any":
		s.any = true
	default:
		return nil, featureflags.FieldErrorf("match", "match must be \"all\" or \"any\", not %q", src.Match)
	}
	conds, err := c.conditions(nil, "", src.Conditions)
	if err != nil {
		e := err.(*featureflags.Error)
		e.Field = strings.TrimPrefix(e.Field, ".")
		return nil, e
	}
	// "all" is one rule of the conditions, "any" a rule of each; without
	// conditions it contains nobody: no rule at all.
	ends := []int{len(conds)}
	if s.any || len(conds) == 0 {
		ends = ends[:0]
		for i := range conds {
			ends = append(ends, i+1)
		}
	}
	place(conds, ends)
	s.conds = conds
	return s, nil
}
