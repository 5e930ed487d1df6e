// Package view is the read side of the flag service: the immutable view of
// the store that management reads and evaluation answer from, its
// installation after every change, the diff of two views that becomes live
// events, following the changes other replicas commit, and starting without
// a store (from the snapshot file) until the store comes back.
package view

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/pmap"
)

// View is an immutable picture of the whole store at one revision: what the
// management API reads and the compiled snapshot evaluation uses. Nothing in
// it is changed after it is installed; callers must not change what they
// get from it.
type View struct {
	Revision     int64
	Environments []*ff.Environment
	EnvNames     []string
	Segments     []*ff.Segment
	Snapshot     *eval.Snapshot

	// Tokens are the store's tokens by hash (revoked and expired ones
	// too), read right after the dataset, so at least as new as Revision.
	Tokens map[string]*ff.Token

	// The flags (completed) by name and by id, in persistent maps that a
	// change shares with the view before: a write costs what it changes,
	// not what the view holds.
	byName, byID pmap.Map[*ff.Flag]
	list         *flagList

	// seq identifies the view; a view made by WithFlag records its
	// parent's seq and the change, so that publishing it needs no walk
	// over every flag (publish.go).
	seq, parent uint64
	patch       *patch
}

// patch is how a view made by WithFlag differs from its parent.
type patch struct {
	upsert  *ff.Flag // nil for a deletion
	deleted string   // the name removed (deleted or renamed away), or ""
}

// seqs numbers views.
var seqs atomic.Uint64

// flagList is the flags as a slice ordered by name, built on first use:
// listing and streaming whole snapshots need one, writes do not.
type flagList struct {
	once  sync.Once
	flags []*ff.Flag
}

// New builds the view of d and tokens; it completes d's flags. Of flags
// sharing a name or an id the first is kept.
func New(d *ff.Dataset, tokens []*ff.Token) *View {
	v := &View{Revision: d.Revision, Environments: d.Environments, Segments: d.Segments, seq: seqs.Add(1), list: &flagList{}}
	v.Tokens = make(map[string]*ff.Token, len(tokens))
	for _, t := range tokens {
		// Should two tokens share a hash (replicas racing to create the
		// same bootstrap token), a revoked one wins: revoking must work.
		if old, dup := v.Tokens[t.Hash]; dup && old.RevokedAt != nil {
			continue
		}
		v.Tokens[t.Hash] = t
	}
	for _, e := range d.Environments {
		v.EnvNames = append(v.EnvNames, e.Name)
	}
	for _, f := range d.Flags {
		Complete(f, v.EnvNames)
	}
	shareStates(d.Flags, v.EnvNames)
	v.byName = build(d.Flags, func(f *ff.Flag) string { return f.Name })
	v.byID = build(d.Flags, func(f *ff.Flag) string { return f.ID })
	v.Snapshot = eval.Compile(v.Flags(), v.Segments, v.EnvNames, v.Revision)
	return v
}

// shareStates gives completed flags with the same state in every
// environment one map: a view is never changed, and at 100,000 flags one
// map each is some 25 MB. Beyond 64 environments each keeps its own.
func shareStates(flags []*ff.Flag, envs []string) {
	if len(envs) > 64 {
		return
	}
	shared := map[uint64]map[string]bool{}
	for _, f := range flags {
		var key uint64
		for i, e := range envs {
			if f.Environments[e] {
				key |= 1 << i
			}
		}
		if m, ok := shared[key]; ok {
			f.Environments = m
		} else {
			shared[key] = f.Environments
		}
	}
}

// build returns flags in a map by key, the first of each key.
func build(flags []*ff.Flag, key func(*ff.Flag) string) pmap.Map[*ff.Flag] {
	sorted := slices.Clone(flags)
	slices.SortStableFunc(sorted, func(a, b *ff.Flag) int { return strings.Compare(key(a), key(b)) })
	var b pmap.Builder[*ff.Flag]
	for i, f := range sorted {
		if i == 0 || key(f) != key(sorted[i-1]) {
			b.Add(key(f), f)
		}
	}
	return b.Map()
}

// WithFlag returns v changed in one flag at revision: the flag with id
// (if any) removed and f (if not nil) put in its place by name. Its cost
// grows with the logarithm of the number of flags only.
func (v *View) WithFlag(id string, f *ff.Flag, revision int64) *View {
	next := *v
	next.Revision, next.seq, next.parent, next.list = revision, seqs.Add(1), v.seq, &flagList{}
	p := &patch{upsert: f}
	if old, ok := v.byID.Get(id); ok && id != "" {
		next.byName, next.byID = next.byName.Delete(old.Name), next.byID.Delete(id)
		if f == nil || f.Name != old.Name {
			p.deleted = old.Name
		}
	}
	if f != nil {
		if clash, ok := next.byName.Get(f.Name); ok {
			next.byID = next.byID.Delete(clash.ID)
		}
		next.byName, next.byID = next.byName.Set(f.Name, f), next.byID.Set(f.ID, f)
	}
	next.patch = p
	next.Snapshot = v.Snapshot.With(p.deleted, f, revision)
	return &next
}

// Flags returns every flag ordered by name. The slice is built once per
// view and shared: callers must not change it.
func (v *View) Flags() []*ff.Flag {
	v.list.once.Do(func() { v.list.flags = v.byName.Values(make([]*ff.Flag, 0, v.byName.Len())) })
	return v.list.flags
}

// FlagCount returns the number of flags.
func (v *View) FlagCount() int { return v.byName.Len() }

// Flag returns the flag whose id or name is idOrName, or nil.
func (v *View) Flag(idOrName string) *ff.Flag {
	if f, ok := v.byID.Get(idOrName); ok {
		return f
	}
	if f, ok := v.byName.Get(idOrName); ok {
		return f
	}
	return nil
}

// FlagNamed returns the flag named name, or nil.
func (v *View) FlagNamed(name string) *ff.Flag {
	f, _ := v.byName.Get(name)
	return f
}

// SegmentMap returns the view's segments by name.
func (v *View) SegmentMap() map[string]*ff.Segment {
	m := make(map[string]*ff.Segment, len(v.Segments))
	for _, s := range v.Segments {
		m[s.Name] = s
	}
	return m
}

// Dataset returns the view's dataset (sharing its items).
func (v *View) Dataset() *ff.Dataset {
	return &ff.Dataset{Revision: v.Revision, Environments: v.Environments, Flags: v.Flags(), Segments: v.Segments}
}

// TokenList returns the view's tokens in no particular order.
func (v *View) TokenList() []*ff.Token {
	tokens := make([]*ff.Token, 0, len(v.Tokens))
	for _, t := range v.Tokens {
		tokens = append(tokens, t)
	}
	return tokens
}

// Complete gives f a state for exactly the existing environments envs:
// those it does not mention are off, and leftovers of deleted ones are
// dropped; a flag that is not boolean gets its served defaults made
// explicit in each (eval.PinDefaults).
func Complete(f *ff.Flag, envs []string) {
	if !hasExactly(f.Environments, envs) {
		m := make(map[string]bool, len(envs))
		for _, e := range envs {
			m[e] = f.Environments[e]
		}
		f.Environments = m
	}
	for e := range f.Targeting {
		if !slices.Contains(envs, e) {
			delete(f.Targeting, e)
		}
	}
	if len(f.Targeting) == 0 {
		f.Targeting = nil
	}
	eval.PinDefaults(f, envs)
}

// hasExactly reports whether m's keys are envs. A flag read from the store
// usually has a state for every environment: keeping its map (which may be
// shared, so it is never changed here) spares a start at 100,000 flags as
// many maps of garbage.
func hasExactly(m map[string]bool, envs []string) bool {
	if len(m) != len(envs) {
		return false
	}
	for _, e := range envs {
		if _, ok := m[e]; !ok {
			return false
		}
	}
	return true
}
