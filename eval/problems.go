package eval

import (
	"errors"

	"github.com/featureflags/featureflags"
)

// Problem says why a stored flag does not compile in one environment (a
// regular expression over a lowered bound, a segment deleted since): there
// the flag evaluates to PARSE_ERROR until it is fixed, the rest of the
// snapshot unaffected.
type Problem struct {
	Flag        string `json:"-"`
	Environment string `json:"environment"`
	Field       string `json:"field,omitempty"`
	Message     string `json:"message"`
}

// problemOf describes err, the reason key does not compile in env.
func problemOf(key, env string, err error) *Problem {
	p := &Problem{Flag: key, Environment: env, Message: err.Error()}
	var fe *featureflags.Error
	if errors.As(err, &fe) {
		p.Field, p.Message = fe.Field, fe.Message
	}
	return p
}

// Problems returns why flag key does not compile, one entry per environment
// where it does not, in the snapshot's order of environments; nil when it
// compiles everywhere (or does not exist).
func (s *Snapshot) Problems(key string) []Problem {
	var out []Problem
	for _, t := range s.envList {
		if f, ok := t.flags.Get(key); ok && f.problem != nil {
			out = append(out, *f.problem)
		}
	}
	return out
}

// AllProblems returns every flag's problems, environment by environment
// and by key within each.
func (s *Snapshot) AllProblems() []Problem {
	var out []Problem
	for _, t := range s.envList {
		for _, f := range t.flags.All() {
			if f.problem != nil {
				out = append(out, *f.problem)
			}
		}
	}
	return out
}

// InvalidFlags returns how many flags do not compile in at least one
// environment.
func (s *Snapshot) InvalidFlags() int {
	seen := map[string]bool{}
	for _, p := range s.AllProblems() {
		seen[p.Flag] = true
	}
	return len(seen)
}
