package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	ff "github.com/featureflags/featureflags"
)

// Comparison is how two environments differ, flag by flag.
type Comparison struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Revision is the store revision compared: the If-Match that promotes
	// exactly what was compared (POST /promote).
	Revision int64 `json:"revision"`
	// Flags are the flags that differ, by name; Same counts the others.
	Flags []FlagComparison `json:"flags"`
	Same  int              `json:"same"`
}

// FlagComparison is what differs in one flag between the two environments.
type FlagComparison struct {
	Flag        string          `json:"flag"`
	Version     int64           `json:"version"`
	Differences []EnvDifference `json:"differences"`
}

// EnvDifference is one part of a flag that differs: state, prerequisites,
// rules, defaultServe or offVariant, as JSON in each environment and in
// words.
type EnvDifference struct {
	Field string `json:"field"`
	// From and To are absent where the environment has none.
	From any    `json:"from,omitempty"`
	To   any    `json:"to,omitempty"`
	Text string `json:"text"`
}

// Compare compares environments a and b: for every flag that is not
// archived, its state and each part of its targeting.
func (s *Service) Compare(ctx context.Context, a, b string) (*Comparison, error) {
	v, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkPair(a, b, v.EnvNames); err != nil {
		return nil, err
	}
	c := &Comparison{From: a, To: b, Revision: v.Revision, Flags: []FlagComparison{}}
	for _, f := range v.Flags() {
		if f.ArchivedAt != nil {
			continue
		}
		if d := differences(f, a, b); len(d) > 0 {
			c.Flags = append(c.Flags, FlagComparison{Flag: f.Name, Version: f.Version, Differences: d})
		} else {
			c.Same++
		}
	}
	return c, nil
}

// checkPair refuses unknown environments, and comparing or promoting an
// environment with itself.
func checkPair(from, to string, envs []string) error {
	if err := checkEnvironment("from", from, envs); err != nil {
		return err
	}
	if err := checkEnvironment("to", to, envs); err != nil {
		return err
	}
	if from == to {
		return ff.FieldErrorf("to", "from and to are both %q; name two environments", from)
	}
	return nil
}

// differences lists what differs in f between a and b.
func differences(f *ff.Flag, a, b string) []EnvDifference {
	ta, tb := f.Targeting[a], f.Targeting[b]
	if ta == nil {
		ta = &ff.Targeting{}
	}
	if tb == nil {
		tb = &ff.Targeting{}
	}
	var out []EnvDifference
	if on, other := f.Environments[a], f.Environments[b]; on != other {
		out = append(out, EnvDifference{"state", on, other, fmt.Sprintf("%s in %s, %s in %s", onOff(on), a, onOff(other), b)})
	}
	parts := []struct {
		field      string
		from, to   any
		fromS, toS string
	}{
		{"prerequisites", ta.Prerequisites, tb.Prerequisites, count(len(ta.Prerequisites), "prerequisite"), count(len(tb.Prerequisites), "prerequisite")},
		{"rules", ta.Rules, tb.Rules, count(len(ta.Rules), "rule"), count(len(tb.Rules), "rule")},
		{"defaultServe", ta.DefaultServe, tb.DefaultServe, describeServe(ta.DefaultServe, "the flag's default"), describeServe(tb.DefaultServe, "the flag's default")},
		{"offVariant", ta.OffVariant, tb.OffVariant, orDefault(ta.OffVariant), orDefault(tb.OffVariant)},
	}
	for _, p := range parts {
		if !sameJSON(p.from, p.to) {
			text := fmt.Sprintf("%s: %s in %s, %s in %s", p.field, p.fromS, a, p.toS, b)
			if p.fromS == p.toS {
				text = fmt.Sprintf("%s: %s in both, but not the same", p.field, p.fromS)
			}
			out = append(out, EnvDifference{p.field, orNil(p.from), orNil(p.to), text})
		}
	}
	return out
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func orDefault(v string) string {
	if v == "" {
		return "the flag's default"
	}
	return v
}

// describeServe says what a serve serves: "green", or "rollout on 25% / off 75%".
func describeServe(s *ff.Serve, none string) string {
	switch {
	case s == nil:
		return none
	case s.Rollout != nil:
		parts := make([]string, len(s.Rollout.Variants))
		for i, v := range s.Rollout.Variants {
			parts[i] = fmt.Sprintf("%s %v%%", v.Variant, v.Weight)
		}
		return "rollout " + strings.Join(parts, " / ")
	}
	return s.Variant
}

// sameJSON reports whether a and b encode alike, treating empty as absent.
func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	empty := func(b []byte) bool { s := string(b); return s == "null" || s == "[]" || s == `""` }
	return string(ja) == string(jb) || (empty(ja) && empty(jb))
}

// orNil returns v, or nil when it is empty.
func orNil(v any) any {
	if sameJSON(v, nil) {
		return nil
	}
	return v
}
