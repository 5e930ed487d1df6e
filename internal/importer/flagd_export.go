package importer

import (
	"encoding/json"
	"slices"

	ff "github.com/featureflags/featureflags"
)

// exportOperators maps our binary operators to flagd's JsonLogic.
var exportOperators = map[string]string{
	"eq": "==", "neq": "!=", "startsWith": "starts_with", "endsWith": "ends_with",
	"lt": "<", "lte": "<=", "gt": ">", "gte": ">=",
	"semverEq": "=", "semverNeq": "!=", "semverLt": "<", "semverLte": "<=", "semverGt": ">", "semverGte": ">=",
}

// ExportFlagd writes d's flags in env as flagd flag definitions, segments
// as $evaluators. Rollouts become fractional splits that bucket as ours
// do: a native rollout hashes the flag id + "/" + the value into 100,000
// buckets, which is flagd's fractional over cat(id + "/", value) with the
// weights in thousandths of a percent. Flags flagd cannot express (an
// operator it lacks, an Unleash-bucketed rollout) are reported and left
// out.
func ExportFlagd(d *ff.Dataset, env string) ([]byte, []Problem, error) {
	out := map[string]any{}
	flags := map[string]any{}
	var problems []Problem
	for _, f := range d.Flags {
		def, err := flagdDefinition(f, env)
		if err != nil {
			problems = append(problems, Problem{Flag: f.Name, Reason: err.Error()})
			continue
		}
		flags[f.Name] = def
	}
	out["flags"] = flags
	if evs := flagdEvaluators(d.Segments, &problems); len(evs) > 0 {
		out["$evaluators"] = evs
	}
	b, err := json.MarshalIndent(out, "", "  ")
	return append(b, '\n'), problems, err
}

func flagdEvaluators(segs []*ff.Segment, problems *[]Problem) map[string]any {
	evs := map[string]any{}
	for _, sg := range segs {
		conds, err := exportConditions(sg.Conditions)
		if err != nil {
			*problems = append(*problems, Problem{Flag: "segment " + sg.Name, Reason: err.Error()})
			continue
		}
		op := "and"
		if sg.Match == "any" {
			op = "or"
		}
		evs[sg.Name] = map[string]any{op: conds}
	}
	return evs
}

func flagdDefinition(f *ff.Flag, env string) (map[string]any, error) {
	variants := map[string]any{}
	for k, v := range f.Variants {
		variants[k] = v
	}
	if f.Type == ff.TypeBoolean || f.Type == "" {
		variants["on"], variants["off"] = true, false
	}
	state := "DISABLED"
	if f.Environments[env] {
		state = "ENABLED"
	}
	def := map[string]any{"state": state, "variants": variants}
	t := f.Targeting[env]
	if t == nil || t.DefaultServe == nil {
		def["defaultVariant"] = firstVariant(f)
		if t == nil || len(t.Rules) == 0 {
			return def, nil
		}
	}
	def["defaultVariant"] = firstVariant(f)
	if t.DefaultServe != nil && t.DefaultServe.Variant != "" {
		def["defaultVariant"] = t.DefaultServe.Variant
	}
	targeting, err := exportTargeting(f, t)
	if err != nil {
		return nil, err
	}
	if targeting != nil {
		def["targeting"] = targeting
	}
	return def, nil
}

// firstVariant is what a flag serves by default: "on" for booleans, else
// its first variant by name.
func firstVariant(f *ff.Flag) string {
	if f.Type == ff.TypeBoolean || f.Type == "" {
		return "on"
	}
	names := sortedKeys(f.Variants)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// exportTargeting is an if chain of the rules, ending with the default
// serve (nil when the default variant alone is served).
func exportTargeting(f *ff.Flag, t *ff.Targeting) (any, error) {
	var def any
	if t.DefaultServe != nil && t.DefaultServe.Rollout != nil {
		r, err := exportRollout(f, t.DefaultServe.Rollout)
		if err != nil {
			return nil, err
		}
		def = r
	}
	if len(t.Rules) == 0 {
		return def, nil
	}
	var args []any
	for _, r := range t.Rules {
		cond, err := exportConditions(r.Conditions)
		if err != nil {
			return nil, err
		}
		serve, err := exportServe(f, r.Serve)
		if err != nil {
			return nil, err
		}
		args = append(args, allOf(cond), serve)
	}
	if def != nil {
		args = append(args, def)
	}
	return map[string]any{"if": args}, nil
}

// allOf is the conjunction of conditions: true for none.
func allOf(conds []any) any {
	switch len(conds) {
	case 0:
		return true
	case 1:
		return conds[0]
	}
	return map[string]any{"and": conds}
}

func exportServe(f *ff.Flag, s ff.Serve) (any, error) {
	if s.Rollout != nil {
		return exportRollout(f, s.Rollout)
	}
	return s.Variant, nil
}

func exportRollout(f *ff.Flag, r *ff.Rollout) (any, error) {
	by := r.BucketBy
	if by == "" {
		by = "targetingKey"
	}
	var bucket any = map[string]any{"var": by}
	switch r.Scheme {
	case "", ff.SchemeNative:
		bucket = map[string]any{"cat": []any{f.ID + "/", map[string]any{"var": by}}}
	case ff.SchemeFlagd:
		if r.Seed != "" {
			bucket = map[string]any{"cat": []any{r.Seed, map[string]any{"var": by}}}
		}
	default:
		return nil, cannot("a rollout with the %s scheme buckets in a way flagd's fractional cannot", r.Scheme)
	}
	args := []any{bucket}
	for _, v := range r.Variants {
		args = append(args, []any{v.Variant, int64(v.Weight*1000 + 0.5)})
	}
	return map[string]any{"fractional": args}, nil
}

func exportConditions(cs []ff.Condition) ([]any, error) {
	out := []any{}
	for _, c := range cs {
		e, err := exportCondition(c)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func exportCondition(c ff.Condition) (any, error) {
	v := map[string]any{"var": c.Attribute}
	if op, ok := exportOperators[c.Operator]; ok {
		if slices.Contains([]string{"semverEq", "semverNeq", "semverLt", "semverLte", "semverGt", "semverGte"}, c.Operator) {
			return map[string]any{"sem_ver": []any{v, op, c.Value}}, nil
		}
		return map[string]any{op: []any{v, c.Value}}, nil
	}
	switch c.Operator {
	case "in":
		return map[string]any{"in": []any{v, c.Value}}, nil
	case "notIn":
		return map[string]any{"!": map[string]any{"in": []any{v, c.Value}}}, nil
	case "contains":
		return map[string]any{"in": []any{c.Value, v}}, nil
	case "present":
		return map[string]any{"!!": v}, nil
	case "absent":
		return map[string]any{"!": v}, nil
	case "inSegment":
		return map[string]any{"$ref": c.Value}, nil
	case "notInSegment":
		return map[string]any{"!": map[string]any{"$ref": c.Value}}, nil
	}
	return nil, cannot("operator %s has no flagd equivalent", c.Operator)
}
