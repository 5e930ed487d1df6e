// Package view is the read side of the flag service: the immutable view of
// the store that management reads and evaluation answer from, its
// installation after every change, the diff of two views that becomes live
// events, following the changes other replicas commit, and starting without
// a store (from the snapshot file) until the store comes back.
package view

import (
	"slices"
	"strings"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
)

// View is an immutable picture of the whole store at one revision: what the
// management API reads and the compiled snapshot evaluation uses. Nothing in
// it is changed after it is installed; callers must not change what they
// get from it.
type View struct {
	Revision     int64
	Environments []*ff.Environment
	EnvNames     []string
	Flags        []*ff.Flag // completed, ordered by name
	Segments     []*ff.Segment
	Snapshot     *eval.Snapshot

	// Tokens are the store's tokens by hash (revoked and expired ones
	// too), read right after the dataset, so at least as new as Revision.
	Tokens map[string]*ff.Token
}

// New builds the view of d and tokens; it completes and orders d's flags.
func New(d *ff.Dataset, tokens []*ff.Token) *View {
	v := &View{Revision: d.Revision, Environments: d.Environments, Flags: d.Flags, Segments: d.Segments}
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
	for _, f := range v.Flags {
		Complete(f, v.EnvNames)
	}
	slices.SortFunc(v.Flags, func(a, b *ff.Flag) int { return strings.Compare(a.Name, b.Name) })
	v.Snapshot = eval.Compile(v.Flags, v.Segments, v.EnvNames, v.Revision)
	return v
}

// WithFlag returns v changed in one flag at revision: the flag with id
// (if any) removed and f (if not nil) put in its place by name.
func (v *View) WithFlag(id string, f *ff.Flag, revision int64) *View {
	next := *v
	next.Revision = revision
	next.Flags = make([]*ff.Flag, 0, len(v.Flags)+1)
	oldName := ""
	for _, g := range v.Flags {
		if g.ID == id {
			oldName = g.Name
			continue
		}
		next.Flags = append(next.Flags, g)
	}
	if f != nil {
		i, _ := slices.BinarySearchFunc(next.Flags, f.Name, byName)
		next.Flags = slices.Insert(next.Flags, i, f)
	}
	next.Snapshot = v.Snapshot.With(oldName, f, revision)
	return &next
}

func byName(g *ff.Flag, name string) int { return strings.Compare(g.Name, name) }

// Flag returns the flag whose id or name is idOrName, or nil.
func (v *View) Flag(idOrName string) *ff.Flag {
	for _, f := range v.Flags {
		if f.ID == idOrName {
			return f
		}
	}
	if i, ok := slices.BinarySearchFunc(v.Flags, idOrName, byName); ok {
		return v.Flags[i]
	}
	return nil
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
	return &ff.Dataset{Revision: v.Revision, Environments: v.Environments, Flags: v.Flags, Segments: v.Segments}
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
// dropped.
func Complete(f *ff.Flag, envs []string) {
	m := make(map[string]bool, len(envs))
	for _, e := range envs {
		m[e] = f.Environments[e]
	}
	f.Environments = m
	for e := range f.Targeting {
		if !slices.Contains(envs, e) {
			delete(f.Targeting, e)
		}
	}
	if len(f.Targeting) == 0 {
		f.Targeting = nil
	}
}
