package usage

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
)

// The ways a flag can be stale.
const (
	StaleUnused   = "unused"   // not evaluated in an environment for UnusedAfter
	StaleConstant = "constant" // one value served to every evaluation for ConstantAfter
	StaleOverdue  = "overdue"  // older than its kind's lifetime, or past expiresAt
)

// StaleKinds lists the ways, in the order they are reported.
var StaleKinds = []string{StaleUnused, StaleConstant, StaleOverdue}

// StaleRules say when a flag is stale.
type StaleRules struct {
	UnusedAfter   time.Duration
	ConstantAfter time.Duration
	// Lifetimes are the expected lifetimes of kinds; kinds without one
	// never become overdue by age.
	Lifetimes map[ff.FlagKind]time.Duration
}

// WithDefaults fills in what r leaves zero: 30 days unused, 14 days
// constant, ff.DefaultLifetimes.
func (r StaleRules) WithDefaults() StaleRules {
	if r.UnusedAfter <= 0 {
		r.UnusedAfter = 30 * 24 * time.Hour
	}
	if r.ConstantAfter <= 0 {
		r.ConstantAfter = 14 * 24 * time.Hour
	}
	if r.Lifetimes == nil {
		r.Lifetimes = ff.DefaultLifetimes
	}
	return r
}

// Staleness is one reason a flag is stale, in words.
type Staleness struct {
	Kind        string `json:"kind"`
	Environment string `json:"environment,omitempty"`
	Why         string `json:"why"`
}

// Stale returns why f is stale at now, given when it was last evaluated
// per environment and its usage buckets since now-ConstantAfter.
func (r StaleRules) Stale(f *ff.Flag, last map[string]time.Time, recent []ff.UsageBucket, now time.Time) []Staleness {
	var out []Staleness
	out = append(out, r.unused(f, last, now)...)
	if s, ok := r.constant(f, recent, now); ok {
		out = append(out, s)
	}
	if s, ok := r.overdue(f, now); ok {
		out = append(out, s)
	}
	return out
}

func days(d time.Duration) int { return int(d / (24 * time.Hour)) }

func (r StaleRules) unused(f *ff.Flag, last map[string]time.Time, now time.Time) []Staleness {
	if now.Sub(f.CreatedAt) < r.UnusedAfter {
		return nil
	}
	envs := make([]string, 0, len(f.Environments))
	for env := range f.Environments {
		envs = append(envs, env)
	}
	sort.Strings(envs)
	var out []Staleness
	for _, env := range envs {
		t, ok := last[env]
		if ok && now.Sub(t) < r.UnusedAfter {
			continue
		}
		why := fmt.Sprintf("not evaluated in %s for %d days or more", env, days(r.UnusedAfter))
		if ok {
			why = fmt.Sprintf("not evaluated in %s since %s", env, t.UTC().Format(time.DateOnly))
		}
		out = append(out, Staleness{Kind: StaleUnused, Environment: env, Why: why})
	}
	return out
}

func (r StaleRules) constant(f *ff.Flag, recent []ff.UsageBucket, now time.Time) (Staleness, bool) {
	if now.Sub(f.CreatedAt) < r.ConstantAfter {
		return Staleness{}, false
	}
	variants := map[string]bool{}
	var total int64
	for _, b := range recent {
		if b.Reason == "ERROR" {
			return Staleness{}, false
		}
		variants[b.Variant] = true
		total += b.Count
	}
	if len(variants) != 1 || total == 0 {
		return Staleness{}, false
	}
	var v string
	for v = range variants {
	}
	return Staleness{Kind: StaleConstant, Why: fmt.Sprintf("served variant %q to all %d evaluations in the last %d days",
		v, total, days(r.ConstantAfter))}, true
}

func (r StaleRules) overdue(f *ff.Flag, now time.Time) (Staleness, bool) {
	if f.ExpiresAt != nil && now.After(*f.ExpiresAt) {
		return Staleness{Kind: StaleOverdue, Why: "expired on " + f.ExpiresAt.UTC().Format(time.DateOnly)}, true
	}
	life, ok := r.Lifetimes[f.Kind]
	if age := now.Sub(f.CreatedAt); ok && age > life {
		return Staleness{Kind: StaleOverdue, Why: fmt.Sprintf("a %s flag is expected to live %d days; this one is %d days old",
			f.Kind, days(life), days(age))}, true
	}
	return Staleness{}, false
}

// ParseStaleKinds reads a comma-separated list of StaleKinds.
func ParseStaleKinds(s string) (map[string]bool, error) {
	want := map[string]bool{}
	for _, k := range strings.Split(s, ",") {
		if k == "any" {
			k = strings.Join(StaleKinds, ",")
		}
		for _, k := range strings.Split(k, ",") {
			if !slices.Contains(StaleKinds, k) {
				return nil, ff.FieldErrorf("stale", "stale must be unused, constant, overdue, any, or a comma-separated list of them")
			}
			want[k] = true
		}
	}
	return want, nil
}
