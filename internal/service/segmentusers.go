package service

import (
	"context"
	"slices"
	"strings"
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
	out := &SegmentUsers{Segment: sg.Name, Flags: []SegmentUser{}, Segments: []SegmentUser{}}
	for _, f := range v.Flags() {
		var envs []string
		for env, t := range f.Targeting {
			if slices.Contains(t.SegmentRefs(), sg.Name) {
				envs = append(envs, env)
			}
		}
		if envs != nil {
			slices.Sort(envs)
			out.Flags = append(out.Flags, SegmentUser{ID: f.ID, Name: f.Name, Environments: envs})
		}
	}
	for _, other := range v.Segments {
		if slices.Contains(other.SegmentRefs(), sg.Name) {
			out.Segments = append(out.Segments, SegmentUser{ID: other.ID, Name: other.Name})
		}
	}
	byName := func(a, b SegmentUser) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(out.Flags, byName)
	slices.SortFunc(out.Segments, byName)
	return out, nil
}
