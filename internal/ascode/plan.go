package ascode

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
)

// ManagedTag marks a flag as managed by code: apply sets it on every flag
// it writes, and the UI warns before an edit of such a flag.
const ManagedTag = "managed-by-code"

// Plan is what applying a file changes, by name.
type Plan struct {
	// Revision is the store revision the plan was made at; apply refuses
	// if the store has moved on since.
	Revision int64 `json:"revision"`
	Create   Names `json:"create"`
	Change   Names `json:"change"`
	Remove   Names `json:"remove"`
	Applied  bool  `json:"applied"`
}

// Names lists environments, segments and flags by name.
type Names struct {
	Environments []string `json:"environments"`
	Segments     []string `json:"segments"`
	Flags        []string `json:"flags"`
}

func newNames() Names {
	return Names{Environments: []string{}, Segments: []string{}, Flags: []string{}}
}

func (n Names) empty() bool {
	return len(n.Environments)+len(n.Segments)+len(n.Flags) == 0
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return p.Create.empty() && p.Change.empty() && p.Remove.empty() }

// Desired completes a parsed file into what the store should hold: flags
// get the boolean type by default, the managed-by-code tag, an off state
// in every environment of envs they do not mention and, when not boolean,
// their served defaults made explicit (eval.PinDefaults); segments match
// "all" by default. It returns a copy.
func Desired(d *ff.Dataset, envs []string) *ff.Dataset {
	out := &ff.Dataset{Environments: d.Environments, Flags: make([]*ff.Flag, 0, len(d.Flags)), Segments: make([]*ff.Segment, 0, len(d.Segments))}
	for _, f := range d.Flags {
		c := f.Clone()
		if c.Type == "" {
			c.Type = ff.TypeBoolean
		}
		if !slices.Contains(c.Tags, ManagedTag) {
			c.Tags = append(c.Tags, ManagedTag)
		}
		if c.Environments == nil {
			c.Environments = map[string]bool{}
		}
		for _, e := range envs {
			if _, ok := c.Environments[e]; !ok {
				c.Environments[e] = false
			}
		}
		eval.PinDefaults(c, envs) // as the store will hold it
		out.Flags = append(out.Flags, c)
	}
	for _, sg := range d.Segments {
		c := *sg
		if c.Match == "" {
			c.Match = "all"
		}
		out.Segments = append(out.Segments, &c)
	}
	return out
}

// Diff compares desired (see Desired) with cur, the store's export, by
// name: what to create, what to change and, with prune, what to remove.
func Diff(cur, desired *ff.Dataset, prune bool) *Plan {
	p := &Plan{Revision: cur.Revision, Create: newNames(), Change: newNames(), Remove: newNames()}
	curEnvs := map[string]bool{}
	for _, e := range cur.Environments {
		curEnvs[e.Name] = true
	}
	wantEnvs := map[string]bool{}
	for _, e := range desired.Environments {
		wantEnvs[e.Name] = true
		if !curEnvs[e.Name] {
			p.Create.Environments = append(p.Create.Environments, e.Name)
		}
	}
	if prune {
		for _, e := range cur.Environments {
			if !wantEnvs[e.Name] {
				p.Remove.Environments = append(p.Remove.Environments, e.Name)
			}
		}
	}
	p.Create.Segments, p.Change.Segments, p.Remove.Segments = diffItems(cur.Segments, desired.Segments, prune, segmentName, segmentContent)
	p.Create.Flags, p.Change.Flags, p.Remove.Flags = diffItems(cur.Flags, desired.Flags, prune, flagName, flagContent)
	return p
}

func diffItems[T any](cur, want []T, prune bool, name func(T) string, content func(T) []byte) (create, change, remove []string) {
	create, change, remove = []string{}, []string{}, []string{}
	byName := map[string]T{}
	for _, c := range cur {
		byName[name(c)] = c
	}
	wanted := map[string]bool{}
	for _, w := range want {
		n := name(w)
		wanted[n] = true
		c, ok := byName[n]
		switch {
		case !ok:
			create = append(create, n)
		case !bytes.Equal(content(c), content(w)):
			change = append(change, n)
		}
	}
	if prune {
		for _, c := range cur {
			if !wanted[name(c)] {
				remove = append(remove, name(c))
			}
		}
	}
	return create, change, remove
}

func flagName(f *ff.Flag) string       { return f.Name }
func segmentName(s *ff.Segment) string { return s.Name }

// flagContent is what a plan compares of a flag: everything but identity,
// version and times, in one canonical JSON form.
func flagContent(f *ff.Flag) []byte {
	c := f.Clone()
	c.ID, c.Name, c.Version, c.CreatedAt, c.UpdatedAt, c.UpdatedBy = "", "", 0, time.Time{}, time.Time{}, nil
	c.Variants, c.Tags = emptyNil(c.Variants), emptyNil(c.Tags)
	for _, tg := range c.Targeting {
		for i := range tg.Rules {
			if tg.Rules[i].Conditions == nil {
				tg.Rules[i].Conditions = []ff.Condition{}
			}
		}
	}
	return canonical(c)
}

func segmentContent(s *ff.Segment) []byte {
	conds := s.Conditions
	if conds == nil {
		conds = []ff.Condition{}
	}
	return canonical(struct {
		Description string
		Match       string
		Conditions  []ff.Condition
	}{s.Description, s.Match, conds})
}

// emptyNil treats an empty map or slice as absent.
func emptyNil[T interface{ ~map[string]any | ~[]string }](v T) T {
	if len(v) == 0 {
		return nil
	}
	return v
}

// canonical is v's JSON after a round trip through plain values, so that
// numbers and map orders compare equal however they were produced.
func canonical(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(err.Error())
	}
	var plain any
	if err := json.Unmarshal(b, &plain); err != nil {
		return b
	}
	b, _ = json.Marshal(plain)
	return b
}
