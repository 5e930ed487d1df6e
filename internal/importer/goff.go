package importer

import (
	"fmt"
	"strings"

	ff "github.com/featureflags/featureflags"
	"go.yaml.in/yaml/v3"
)

// goffFlag is a GO Feature Flag flag (its YAML and JSON share the shape).
type goffFlag struct {
	Variations       map[string]any `yaml:"variations"`
	Targeting        []goffRule     `yaml:"targeting"`
	DefaultRule      *goffRule      `yaml:"defaultRule"`
	Disable          bool           `yaml:"disable"`
	ScheduledRollout []any          `yaml:"scheduledRollout"`
	Experimentation  any            `yaml:"experimentation"`
	BucketingKey     string         `yaml:"bucketingKey"` // attribute to bucket by
	TrackEvents      any            `yaml:"trackEvents"`
	Version          any            `yaml:"version"`
	Metadata         map[string]any `yaml:"metadata"`
}

type goffRule struct {
	Name               string             `yaml:"name"`
	Query              string             `yaml:"query"`
	Variation          string             `yaml:"variation"`
	Percentage         map[string]float64 `yaml:"percentage"`
	ProgressiveRollout any                `yaml:"progressiveRollout"`
	Disable            bool               `yaml:"disable"`
}

// Goff reads GO Feature Flag flags (YAML or JSON) into env: variations,
// targeting rules with simple queries ("attr op value" joined by "and"),
// and percentage splits. GO Feature Flag hashes users its own way, so a
// split is imported with the native scheme and reported: users are
// re-bucketed. Progressive and scheduled rollouts and experimentation
// windows change a flag over time, which a flag here does not do; a flag
// that has them is reported and left out.
func Goff(data []byte, env string) (*Result, error) {
	var in map[string]goffFlag
	if err := yaml.Unmarshal(data, &in); err != nil {
		return nil, fmt.Errorf("GO Feature Flag file: %w", err)
	}
	r := newResult(env)
	for _, key := range sortedKeys(in) {
		f, err := goffToFlag(key, in[key], env, r)
		r.addFlag(key, f, err)
	}
	return r, nil
}

func goffToFlag(key string, g goffFlag, env string, r *Result) (*ff.Flag, error) {
	if len(g.ScheduledRollout) > 0 || g.Experimentation != nil {
		return nil, cannot("scheduled rollouts and experimentation windows change the flag over time, which cannot be expressed")
	}
	f := newFlag(key)
	t, err := typeOf(normalizeNumbers(g.Variations))
	if err != nil {
		return nil, err
	}
	f.Type = t
	tr := &flagdTranslator{key: key, names: map[string]string{}, r: r}
	tr.variants(f, normalizeNumbers(g.Variations))
	f.Environments[env] = !g.Disable
	tg := &ff.Targeting{}
	for i, rule := range g.Targeting {
		if rule.Disable {
			continue
		}
		conds, err := goffQuery(rule.Query)
		if err != nil {
			return nil, fmt.Errorf("targeting[%d]: %w", i, err)
		}
		s, err := goffServe(tr, rule, g.BucketingKey)
		if err != nil {
			return nil, fmt.Errorf("targeting[%d]: %w", i, err)
		}
		tg.Rules = append(tg.Rules, ff.Rule{Name: rule.Name, Conditions: conds, Serve: *s})
	}
	if g.DefaultRule == nil {
		return nil, cannot("the flag has no defaultRule")
	}
	s, err := goffServe(tr, *g.DefaultRule, g.BucketingKey)
	if err != nil {
		return nil, fmt.Errorf("defaultRule: %w", err)
	}
	tg.DefaultServe = s
	if s.Variant != "" {
		tg.OffVariant = s.Variant
	}
	f.Targeting[env] = tg
	return f, nil
}

// normalizeNumbers turns YAML's ints into the float64 JSON gives.
func normalizeNumbers(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if i, ok := v.(int); ok {
			v = float64(i)
		}
		out[k] = v
	}
	return out
}

func goffServe(tr *flagdTranslator, rule goffRule, bucketBy string) (*ff.Serve, error) {
	switch {
	case rule.ProgressiveRollout != nil:
		return nil, cannot("a progressive rollout changes the split over time, which cannot be expressed")
	case rule.Variation != "":
		v, err := tr.variant(rule.Variation)
		return &ff.Serve{Variant: v}, err
	case len(rule.Percentage) > 0:
		var shares []share
		for _, name := range sortedKeys(rule.Percentage) {
			v, err := tr.variant(name)
			if err != nil {
				return nil, err
			}
			shares = append(shares, share{v, rule.Percentage[name]})
		}
		vs, _ := split(shares)
		tr.r.approximate(tr.key, "GO Feature Flag hashes users differently: the percentages are kept, but users are bucketed anew")
		return &ff.Serve{Rollout: &ff.Rollout{BucketBy: bucketBy, Variants: vs}}, nil
	}
	return nil, cannot("a rule serves neither a variation nor a percentage")
}

// goffOperators maps GO Feature Flag's query operators to ours.
var goffOperators = map[string]string{
	"eq": "eq", "ne": "neq", "co": "contains", "sw": "startsWith", "ew": "endsWith",
	"in": "in", "lt": "lt", "le": "lte", "gt": "gt", "ge": "gte",
}

// goffQuery reads the query subset `attr op value [and attr op value]...`.
func goffQuery(q string) ([]ff.Condition, error) {
	conds := []ff.Condition{}
	if strings.TrimSpace(q) == "" {
		return conds, nil
	}
	if strings.Contains(q, " or ") || strings.ContainsAny(q, "()") {
		return nil, cannot("query %q uses or/parentheses; only clauses joined by and can be expressed", q)
	}
	for _, clause := range strings.Split(q, " and ") {
		parts := strings.SplitN(strings.TrimSpace(clause), " ", 3)
		if len(parts) == 2 && parts[1] == "pr" {
			conds = append(conds, ff.Condition{Attribute: goffAttribute(parts[0]), Operator: "present"})
			continue
		}
		op, ok := goffOperators[strings.ToLower(safe(parts, 1))]
		if len(parts) != 3 || !ok {
			return nil, cannot("query clause %q is not `attribute operator value` with a known operator", clause)
		}
		var v any
		if err := yaml.Unmarshal([]byte(parts[2]), &v); err != nil {
			return nil, cannot("query clause %q: value %s: %v", clause, parts[2], err)
		}
		conds = append(conds, ff.Condition{Attribute: goffAttribute(parts[0]), Operator: op, Value: jsonValue(v)})
	}
	return conds, nil
}

func safe(parts []string, i int) string {
	if i < len(parts) {
		return parts[i]
	}
	return ""
}

// jsonValue converts YAML values to what JSON decoding gives.
func jsonValue(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e)
		}
		return out
	}
	return v
}

// goffAttribute maps GO Feature Flag's evaluation context: "key" is the
// targeting key.
func goffAttribute(name string) string {
	if name == "key" || name == "targetingKey" {
		return "targetingKey"
	}
	return name
}
