package service

import (
	"context"
	"fmt"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/view"
)

// SegmentInput is a segment as a client describes it; in an update, nil
// fields are left as they are.
type SegmentInput struct {
	Name        *string
	Description *string
	Match       *string
	Conditions  *[]ff.Condition
}

// ListSegments returns every segment ordered by name; shared, read-only.
func (s *Service) ListSegments(ctx context.Context) ([]*ff.Segment, error) {
	v, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	return v.Segments, nil
}

// Segment returns the segment whose id or name is idOrName.
func (s *Service) Segment(ctx context.Context, idOrName string) (*ff.Segment, error) {
	v, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	for _, sg := range v.Segments {
		if sg.ID == idOrName {
			return sg, nil
		}
	}
	for _, sg := range v.Segments {
		if sg.Name == idOrName {
			return sg, nil
		}
	}
	return nil, ff.Errorf(ff.ENOTFOUND, "segment %q not found", idOrName)
}

// CreateSegment validates and stores a new segment.
func (s *Service) CreateSegment(ctx context.Context, in SegmentInput) (*ff.Segment, error) {
	now := s.timestamp()
	sg := &ff.Segment{ID: ff.NewID(), Match: "all", Version: 1, CreatedAt: now, UpdatedAt: now}
	in.applyTo(sg)
	err := s.Write(ctx, func(v *view.View) error {
		if err := s.validateSegment(sg, v, ""); err != nil {
			return err
		}
		return s.Store().CreateSegment(s.audited(ctx, ActionSegmentCreate, "segment", sg.ID, sg.Name, "", nil, sg), sg)
	}, nil)
	if err != nil {
		return nil, err
	}
	return sg, nil
}

// UpdateSegment changes a segment; renaming one that flags use is refused,
// since flags refer to segments by name.
func (s *Service) UpdateSegment(ctx context.Context, idOrName string, in SegmentInput, ifMatch int64) (*ff.Segment, error) {
	var next *ff.Segment
	err := s.Write(ctx, func(v *view.View) error {
		cur, err := s.Store().FindSegment(ctx, idOrName)
		if err != nil {
			return err
		}
		if ifMatch != ff.AnyVersion && cur.Version != ifMatch {
			return staleError("segment", cur.Name, cur.Version, ifMatch)
		}
		c := *cur
		next = &c
		in.applyTo(next)
		if unchanged(cur, next) {
			next = cur
			return errUnchanged
		}
		next.Version, next.UpdatedAt = cur.Version+1, s.timestamp()
		if next.Name != cur.Name {
			if user := segmentUser(v.Flags(), v.Segments, cur.Name); user != "" {
				return ff.FieldErrorf("name", "segment %q is used by %s; it cannot be renamed while in use", cur.Name, user)
			}
		}
		if err := s.validateSegment(next, v, cur.Name); err != nil {
			return err
		}
		// The store's version check makes a concurrent change fail, not vanish.
		return s.Store().UpdateSegment(s.audited(ctx, ActionSegmentUpdate, "segment", next.ID, next.Name, "", cur, next), next, cur.Version)
	}, nil)
	if err != nil && err != errUnchanged {
		return nil, err
	}
	return next, nil
}

// DeleteSegment deletes a segment no flag or other segment uses.
func (s *Service) DeleteSegment(ctx context.Context, idOrName string, ifMatch int64) error {
	return s.Write(ctx, func(v *view.View) error {
		return retrying(ifMatch, func() error {
			cur, err := s.Store().FindSegment(ctx, idOrName)
			if err != nil {
				return err
			}
			if ifMatch != ff.AnyVersion && cur.Version != ifMatch {
				return staleError("segment", cur.Name, cur.Version, ifMatch)
			}
			if user := segmentUser(v.Flags(), v.Segments, cur.Name); user != "" {
				return ff.Errorf(ff.ECONFLICT, "segment %q is used by %s; remove it from there first", cur.Name, user)
			}
			// At the version just read (see DeleteFlag).
			return s.Store().DeleteSegment(s.audited(ctx, ActionSegmentDelete, "segment", cur.ID, cur.Name, "", cur, nil), cur.ID, cur.Version)
		})
	}, nil)
}

func (in SegmentInput) applyTo(sg *ff.Segment) {
	if in.Name != nil {
		sg.Name = *in.Name
	}
	if in.Description != nil {
		sg.Description = *in.Description
	}
	if in.Match != nil {
		sg.Match = *in.Match
	}
	if in.Conditions != nil {
		sg.Conditions = *in.Conditions
	}
}

// validateSegment checks sg as it would be with the other segments of v
// (replacing the one named replaces, if any).
func (s *Service) validateSegment(sg *ff.Segment, v *view.View, replaces string) error {
	others := v.SegmentMap()
	delete(others, replaces)
	others[sg.Name] = sg
	return checkSegment(sg, others, s.limits)
}

// checkSegment checks sg against the naming rules, the limits and, through
// the evaluation compiler, its match, conditions and references among
// segments (keyed by name, sg's own name mapping to sg).
func checkSegment(sg *ff.Segment, segments map[string]*ff.Segment, limits Limits) error {
	if err := ff.ValidateItemName("name", sg.Name); err != nil {
		return err
	}
	if err := validateText("description", sg.Description, MaxDescriptionLength); err != nil {
		return err
	}
	if err := limits.checkSegment(sg); err != nil {
		return err
	}
	return eval.ValidateSegment(sg, segments)
}

// segmentUser names a flag or segment that refers to the segment name, or
// returns "".
func segmentUser(flags []*ff.Flag, segments []*ff.Segment, name string) string {
	refers := func(cs []ff.Condition) bool {
		for _, c := range cs {
			if (c.Operator == "inSegment" || c.Operator == "notInSegment") && c.Value == name {
				return true
			}
		}
		return false
	}
	for _, f := range flags {
		for env, t := range f.Targeting {
			for _, r := range t.Rules {
				if refers(r.Conditions) {
					return fmt.Sprintf("flag %q in %s", f.Name, env)
				}
			}
		}
	}
	for _, sg := range segments {
		if sg.Name != name && refers(sg.Conditions) {
			return fmt.Sprintf("segment %q", sg.Name)
		}
	}
	return ""
}
