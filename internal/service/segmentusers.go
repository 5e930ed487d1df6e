package service

import (
	"context"
	"slices"
	"strings"

	ff "github.com/featureflags/featureflags"
)

// SegmentUsers is what refers to one segment: the flags whose rules use it
// (with the environments where) and the segments whose conditions do.
// While either list is not empty the segment cannot be deleted or renamed.
type SegmentUsers struct {
	Segment  string        `json:"segment"`
	Flags    []SegmentUser `json:"flags"`
	Segments []SegmentUser `json:"segments"`
}

// SegmentUser is one flag or segment that refers to a segment; for a flag,
// Environments are those whose targeting does.
type SegmentUser struct {
	ID           string   `json:"_id"`
	Name         string   `json:"name"`
	Environments []string `json:"environments,omitempty"`
}

// SegmentUsers answers which flags and segments refer to the segment whose
// id or name is idOrName, each list ordered by name. It reads the current
// view, as the rest of the read API does.
func (s *Service) SegmentUsers(ctx context.Context, idOrName string) (*SegmentUsers, error) {
	sg, err := s.Segment(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	v, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	return usersOf(v.Flags(), v.Segments, []string{sg.Name})[0], nil
}

// AllSegmentUsers answers SegmentUsers for every segment, in the order of
// the segments' list, from one pass over the flags.
func (s *Service) AllSegmentUsers(ctx context.Context) ([]*SegmentUsers, error) {
	v, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(v.Segments))
	for i, sg := range v.Segments {
		names[i] = sg.Name
	}
	return usersOf(v.Flags(), v.Segments, names), nil
}

// usersOf is what refers to each of the segments named, in that order.
func usersOf(flags []*ff.Flag, segments []*ff.Segment, names []string) []*SegmentUsers {
	out := make([]*SegmentUsers, len(names))
	byName := make(map[string]*SegmentUsers, len(names))
	for i, name := range names {
		out[i] = &SegmentUsers{Segment: name, Flags: []SegmentUser{}, Segments: []SegmentUser{}}
		byName[name] = out[i]
	}
	for _, f := range flags {
		envs := map[string][]string{} // segment → the environments whose targeting refers to it
		for env, t := range f.Targeting {
			for _, ref := range t.SegmentRefs() {
				if byName[ref] != nil {
					envs[ref] = append(envs[ref], env)
				}
			}
		}
		for ref, es := range envs {
			slices.Sort(es)
			byName[ref].Flags = append(byName[ref].Flags, SegmentUser{ID: f.ID, Name: f.Name, Environments: es})
		}
	}
	for _, other := range segments {
		for _, ref := range other.SegmentRefs() {
			if u := byName[ref]; u != nil {
				u.Segments = append(u.Segments, SegmentUser{ID: other.ID, Name: other.Name})
			}
		}
	}
	byUserName := func(a, b SegmentUser) int { return strings.Compare(a.Name, b.Name) }
	for _, u := range out {
		slices.SortFunc(u.Flags, byUserName)
		slices.SortFunc(u.Segments, byUserName)
	}
	return out
}
