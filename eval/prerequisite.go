package eval

import (
	"slices"
	"strconv"

	"github.com/featureflags/featureflags"
)

// MaxPrerequisiteDepth bounds how deep evaluation follows prerequisites
// that have prerequisites: a chain deeper than this fails. Stores refuse
// cycles; the bound keeps a snapshot that still holds one (a write undone
// a moment later) from recursing without end.
const MaxPrerequisiteDepth = 32

// prereqSet is a flag's prerequisites, and what it serves when ctx does
// not meet one (its off variant; nil while the flag is off).
type prereqSet struct {
	list   []prereq
	failed *tally
}

// prereq is a compiled featureflags.Prerequisite: the flag of the same
// environment it names, looked up at evaluation so that a change to that
// flag (With) needs no recompilation here, and the variants it must serve.
type prereq struct {
	key      string
	variants []string
}

// prerequisites compiles t's prerequisites for the flag d in env. What
// they name is the stores' to check (it must exist when written); here
// only their form.
func (d *flagDef) prerequisites(base string, ps []featureflags.Prerequisite) ([]prereq, error) {
	out := make([]prereq, 0, len(ps))
	for i, p := range ps {
		path := base + ".prerequisites[" + strconv.Itoa(i) + "]"
		switch {
		case p.Flag == "":
			return nil, featureflags.FieldErrorf(path+".flag", "name the flag this one requires")
		case p.Flag == d.key:
			return nil, featureflags.FieldErrorf(path+".flag", "a flag cannot require itself")
		case slices.ContainsFunc(out, func(q prereq) bool { return q.key == p.Flag }):
			return nil, featureflags.FieldErrorf(path+".flag", "flag %q is required twice", p.Flag)
		case len(p.Variants) == 0:
			return nil, featureflags.FieldErrorf(path+".variants", "name at least one variant flag %q must serve", p.Flag)
		}
		for j, v := range p.Variants {
			if v == "" || slices.Index(p.Variants, v) < j {
				return nil, featureflags.FieldErrorf(path+".variants["+strconv.Itoa(j)+"]", "variants must be non-empty and distinct")
			}
		}
		out = append(out, prereq{key: p.Flag, variants: slices.Clone(p.Variants)})
	}
	return out, nil
}

// failedPrereq returns the index of f's first prerequisite that ctx does
// not meet in t, or -1 when all are met.
func (f *flagEnv) failedPrereq(t *envFlags, ctx view, w *int64, depth int) int {
	for i := range f.prereqs.list {
		if _, met := f.prereqs.list[i].meets(t, ctx, w, depth); !met {
			return i
		}
	}
	return -1
}

// meets reports whether ctx meets p in t, and the result p's flag served
// (nil when it was not evaluated). A prerequisite is met when its flag
// exists, is on and its evaluation, prerequisites included, serves one of
// the variants required. Each costs one unit of work.
func (p *prereq) meets(t *envFlags, ctx view, w *int64, depth int) (*tally, bool) {
	*w--
	if *w < 0 || depth >= MaxPrerequisiteDepth {
		return nil, false
	}
	g, ok := t.flags.Get(p.key)
	if !ok {
		return nil, false
	}
	r := g.evaluateIn(t, ctx, w, depth+1)
	return r, r.Reason != ReasonDisabled && r.Reason != ReasonError && slices.Contains(p.variants, r.Variant)
}
