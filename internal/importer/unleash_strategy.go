package importer

import (
	"strconv"
	"strings"

	ff "github.com/featureflags/featureflags"
)

// attribute maps an Unleash context field to ours: userId is the
// targeting key, custom properties are top-level attributes.
func attribute(contextName string) string {
	if contextName == "userId" {
		return "targetingKey"
	}
	return contextName
}

// stickiness lists the attributes a stickiness setting buckets by, in
// Unleash's order: "default" is the user id, else the session id (else a
// random value, which no stable bucketing can reproduce).
func stickiness(s string) []string {
	if s == "" || s == "default" {
		return []string{"targetingKey", "sessionId"}
	}
	return []string{attribute(s)}
}

// strategy translates one strategy into rules serving what Unleash's
// isEnabled/getVariant give when it matches.
func (tr *unleashTranslator) strategy(s unleashStrategy, last bool) ([]ff.Rule, error) {
	conds, err := unleashConditions(s.Constraints)
	if err != nil {
		return nil, err
	}
	for _, id := range s.Segments {
		name, ok := tr.segs[id]
		if !ok {
			return nil, cannot("strategy %q uses segment %d, which the file does not define", s.Name, id)
		}
		conds = append(conds, ff.Condition{Operator: "inSegment", Value: name})
	}
	extra, err := strategyConditions(s)
	if err != nil {
		return nil, err
	}
	conds = append(conds, extra...)
	rules, err := tr.enabled(s)
	if err != nil {
		return nil, err
	}
	if !last && rolloutOf(s) < 100 {
		tr.r.approximate(tr.feature.Name, "strategy "+s.Name+" rolls out to part of the users: those it leaves out get the feature's off answer here, where Unleash would try the strategies after it")
	}
	for i := range rules {
		rules[i].Conditions = append(append([]ff.Condition(nil), conds...), rules[i].Conditions...)
	}
	return rules, nil
}

// strategyConditions are the conditions a strategy type adds.
func strategyConditions(s unleashStrategy) ([]ff.Condition, error) {
	switch s.Name {
	case "default", "flexibleRollout", "gradualRolloutUserId", "gradualRolloutSessionId":
		return nil, nil
	case "userWithId":
		return []ff.Condition{{Attribute: "targetingKey", Operator: "in", Value: list(param(s, "userIds"))}}, nil
	case "remoteAddress":
		ips := list(param(s, "IPs"))
		for _, ip := range ips {
			if strings.Contains(ip.(string), "/") {
				return nil, cannot("remoteAddress strategy with range %s: only single addresses can be expressed", ip)
			}
		}
		return []ff.Condition{{Attribute: "remoteAddress", Operator: "in", Value: ips}}, nil
	}
	return nil, cannot("strategy %q cannot be expressed", s.Name)
}

func list(csv string) []any {
	var out []any
	for _, v := range strings.Split(csv, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// rolloutOf is a strategy's percentage (100 for strategies without one).
func rolloutOf(s unleashStrategy) float64 {
	p := param(s, "rollout")
	if s.Name == "gradualRolloutUserId" || s.Name == "gradualRolloutSessionId" {
		p = param(s, "percentage")
	}
	if p == "" {
		return 100
	}
	v, err := strconv.ParseFloat(p, 64)
	if err != nil {
		return 100
	}
	return v
}

// enabled is what a matching strategy serves: one rule per attribute its
// stickiness may bucket by (a rollout below 100 % or a split between
// variants), else one rule.
func (tr *unleashTranslator) enabled(s unleashStrategy) ([]ff.Rule, error) {
	variants, group := s.Variants, param(s, "groupId")
	if len(variants) == 0 {
		variants = tr.feature.Variants
		if len(variants) > 0 {
			group = tr.feature.Name
		}
	}
	if err := tr.addVariants(variants); err != nil {
		return nil, err
	}
	pct := rolloutOf(s)
	if pct < 100 && len(variants) > 1 {
		return nil, cannot("a %v %% rollout that then splits between variants hashes twice, which one rollout cannot express", pct)
	}
	stick := param(s, "stickiness")
	switch s.Name {
	case "gradualRolloutUserId":
		stick = "userId"
	case "gradualRolloutSessionId":
		stick = "sessionId"
	}
	// A named stickiness attribute must be present even at 100 %; the
	// default one falls back to a random value, so 100 % is everyone.
	if pct >= 100 && len(variants) <= 1 && (stick == "" || stick == "default" || s.Name == "flexibleRollout" && stick == "random") {
		return []ff.Rule{{Conditions: []ff.Condition{}, Serve: ff.Serve{Variant: tr.onVariant(variants)}}}, nil
	}
	return tr.bucketed(s, variants, group, stick, pct)
}

// bucketed serves a rollout per stickiness attribute, each rule for the
// contexts that have it.
func (tr *unleashTranslator) bucketed(s unleashStrategy, variants []unleashVariant, group, stick string, pct float64) ([]ff.Rule, error) {
	var rules []ff.Rule
	for _, attr := range stickiness(stick) {
		ro := &ff.Rollout{BucketBy: attr, Scheme: ff.SchemeUnleash, Seed: group}
		if len(variants) <= 1 { // a rollout of the feature itself
			if ro.Seed == "" {
				ro.Seed = tr.feature.Name
			}
			ro.Variants, _ = split([]share{{tr.onVariant(variants), pct}, {tr.offVariant(), 100 - pct}})
		} else {
			ro.Scheme, ro.Seed = ff.SchemeUnleashVariant, group
			if vs := variantStickiness(variants); vs != "" && vs != "default" {
				ro.BucketBy = attribute(vs)
			}
			var shares []share
			for _, v := range variants {
				shares = append(shares, share{v.Name, v.Weight})
				ro.Modulus += uint32(v.Weight)
			}
			ro.Variants, _ = split(shares)
		}
		rules = append(rules, ff.Rule{Conditions: []ff.Condition{{Attribute: ro.BucketBy, Operator: "present"}}, Serve: ff.Serve{Rollout: ro}})
	}
	return rules, nil
}

func variantStickiness(vs []unleashVariant) string {
	for _, v := range vs {
		if v.Stickiness != "" {
			return v.Stickiness
		}
	}
	return ""
}

// onVariant is what a strategy that enables the feature serves without a
// split: "on", or its one variant.
func (tr *unleashTranslator) onVariant(variants []unleashVariant) string {
	if tr.flag.Type == ff.TypeBoolean {
		return "on"
	}
	if len(variants) == 0 {
		return disabledVariant // enabled, but no variant to give (Unleash answers "disabled")
	}
	return variants[0].Name
}

// addVariants adds variants to a string flag, the payload as the value.
func (tr *unleashTranslator) addVariants(vs []unleashVariant) error {
	for _, v := range vs {
		if len(v.Overrides) > 0 {
			return cannot("variant %q has overrides, which apply whatever strategy matched", v.Name)
		}
		value := v.Name
		if v.Payload != nil {
			value = v.Payload.Value
		}
		if old, ok := tr.flag.Variants[v.Name]; ok && old != value {
			return cannot("variant %q has payload %q in one place and %q in another", v.Name, old, value)
		}
		tr.flag.Variants[v.Name] = value
	}
	return nil
}

// unleashOperators maps constraint operators to ours.
var unleashOperators = map[string]string{
	"IN": "in", "NOT_IN": "notIn", "STR_CONTAINS": "contains", "STR_STARTS_WITH": "startsWith", "STR_ENDS_WITH": "endsWith",
	"NUM_EQ": "eq", "NUM_LT": "lt", "NUM_LTE": "lte", "NUM_GT": "gt", "NUM_GTE": "gte",
	"DATE_AFTER": "after", "DATE_BEFORE": "before",
	"SEMVER_EQ": "semverEq", "SEMVER_LT": "semverLt", "SEMVER_GT": "semverGt",
}

func unleashConditions(cs []unleashConstraint) ([]ff.Condition, error) {
	out := []ff.Condition{}
	for _, c := range cs {
		op, ok := unleashOperators[c.Operator]
		switch {
		case !ok:
			return nil, cannot("constraint operator %s cannot be expressed", c.Operator)
		case c.Inverted || c.CaseInsensitive:
			return nil, cannot("constraint %s on %s is inverted or case-insensitive, which cannot be expressed", c.Operator, c.ContextName)
		}
		cond := ff.Condition{Attribute: attribute(c.ContextName), Operator: op}
		switch {
		case op == "in" || op == "notIn":
			cond.Value = toAny(c.Values)
		case len(c.Values) > 1:
			return nil, cannot("constraint %s with several values cannot be expressed", c.Operator)
		case len(c.Values) == 1:
			cond.Value = c.Values[0]
		default:
			cond.Value = numberOr(op, c.Value)
		}
		out = append(out, cond)
	}
	return out, nil
}

func toAny(vs []string) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

func numberOr(op, v string) any {
	if strings.HasPrefix(op, "semver") || op == "after" || op == "before" {
		return v
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return f
	}
	return v
}
