package importer

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	ff "github.com/featureflags/featureflags"
)

// unleashFeature is a feature as Unleash's client API and its feature
// export per environment describe it.
type unleashFeature struct {
	Name       string            `json:"name"`
	Enabled    bool              `json:"enabled"`
	Strategies []unleashStrategy `json:"strategies"`
	Variants   []unleashVariant  `json:"variants"`
}

type unleashStrategy struct {
	Name        string              `json:"name"`
	Parameters  map[string]any      `json:"parameters"`
	Constraints []unleashConstraint `json:"constraints"`
	Variants    []unleashVariant    `json:"variants"`
	Segments    []int               `json:"segments"`
}

type unleashVariant struct {
	Name       string          `json:"name"`
	Weight     float64         `json:"weight"`
	Stickiness string          `json:"stickiness"`
	Payload    *unleashPayload `json:"payload"`
	Overrides  []any           `json:"overrides"`
}

type unleashPayload struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type unleashConstraint struct {
	ContextName     string   `json:"contextName"`
	Operator        string   `json:"operator"`
	Values          []string `json:"values"`
	Value           string   `json:"value"`
	Inverted        bool     `json:"inverted"`
	CaseInsensitive bool     `json:"caseInsensitive"`
}

type unleashSegment struct {
	ID          int                 `json:"id"`
	Name        string              `json:"name"`
	Constraints []unleashConstraint `json:"constraints"`
}

// unleashFile is either a client API state ({features, segments}) or a
// feature export ({features, featureStrategies, featureEnvironments,
// segments}).
type unleashFile struct {
	Features            []unleashFeature `json:"features"`
	Segments            []unleashSegment `json:"segments"`
	FeatureStrategies   []exportStrategy `json:"featureStrategies"`
	FeatureEnvironments []exportEnv      `json:"featureEnvironments"`
}

type exportStrategy struct {
	unleashStrategy
	FeatureName string `json:"featureName"`
	Environment string `json:"environment"`
}

type exportEnv struct {
	FeatureName string           `json:"featureName"`
	Environment string           `json:"environment"`
	Enabled     bool             `json:"enabled"`
	Variants    []unleashVariant `json:"variants"`
}

// disabledVariant is the variant Unleash answers while a feature is off.
const disabledVariant = "disabled"

// Unleash reads an Unleash feature export (every environment it names), or
// a client API state into env. Features without variants become boolean
// flags; features with variants string flags whose values are the payloads,
// with the variant "disabled" while off. Rollouts keep Unleash's bucketing.
func Unleash(data []byte, env string) (*Result, error) {
	var in unleashFile
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, fmt.Errorf("unleash file: %w", err)
	}
	perEnv := map[string][]unleashFeature{env: in.Features}
	if len(in.FeatureEnvironments) > 0 {
		perEnv = in.byEnvironment()
	}
	r := newResult(sortedKeys(perEnv)...)
	segs := map[int]string{}
	for _, s := range in.Segments {
		sg, err := unleashSegmentOf(s)
		if err != nil {
			r.Problems = append(r.Problems, Problem{Flag: "segment " + s.Name, Reason: err.Error()})
			continue
		}
		segs[s.ID] = sg.Name
		r.Dataset.Segments = append(r.Dataset.Segments, sg)
	}
	flags := map[string]*ff.Flag{}
	for _, e := range sortedKeys(perEnv) {
		for _, uf := range perEnv[e] {
			f, err := unleashFlag(flags[uf.Name], uf, e, segs, r)
			if flags[uf.Name] == nil {
				r.addFlag(uf.Name, f, err)
				flags[uf.Name] = f
			} else if err != nil {
				r.Problems = append(r.Problems, Problem{Flag: uf.Name, Reason: e + ": " + err.Error()})
			}
		}
	}
	return r, nil
}

// byEnvironment regroups an export into client features per environment.
func (in *unleashFile) byEnvironment() map[string][]unleashFeature {
	out := map[string][]unleashFeature{}
	for _, fe := range in.FeatureEnvironments {
		uf := unleashFeature{Name: fe.FeatureName, Enabled: fe.Enabled, Variants: fe.Variants}
		for _, s := range in.FeatureStrategies {
			if s.FeatureName == fe.FeatureName && s.Environment == fe.Environment {
				uf.Strategies = append(uf.Strategies, s.unleashStrategy)
			}
		}
		out[fe.Environment] = append(out[fe.Environment], uf)
	}
	return out
}

func unleashSegmentOf(s unleashSegment) (*ff.Segment, error) {
	name := strings.Map(func(c rune) rune {
		if c == ' ' {
			return '-'
		}
		return c
	}, s.Name)
	conds, err := unleashConditions(s.Constraints)
	return &ff.Segment{ID: ff.NewID(), Name: name, Version: 1, Match: "all", Conditions: conds}, err
}

// unleashFlag adds uf's state in env to f (nil: a new flag).
func unleashFlag(f *ff.Flag, uf unleashFeature, env string, segs map[int]string, r *Result) (*ff.Flag, error) {
	if f == nil {
		f = newFlag(uf.Name)
		f.Type = ff.TypeBoolean
		if hasVariants(uf) {
			f.Type = ff.TypeString
			f.Variants = map[string]any{disabledVariant: disabledVariant}
		}
	}
	if hasVariants(uf) && f.Type == ff.TypeBoolean {
		return nil, cannot("variants in %s only; a flag has variants in every environment or none", env)
	}
	tr := &unleashTranslator{flag: f, feature: uf, r: r, segs: segs}
	tg, err := tr.targeting()
	if err != nil {
		return nil, err
	}
	f.Environments[env] = uf.Enabled
	f.Targeting[env] = tg
	return f, nil
}

// unleashTranslator translates one feature in one environment.
type unleashTranslator struct {
	flag    *ff.Flag
	feature unleashFeature
	segs    map[int]string
	r       *Result
}

// targeting is the strategies in order, each a rule (or one per stickiness
// attribute it may bucket by), then "not enabled".
func (tr *unleashTranslator) targeting() (*ff.Targeting, error) {
	off := tr.offVariant()
	tg := &ff.Targeting{DefaultServe: &ff.Serve{Variant: off}, OffVariant: off}
	if len(tr.feature.Strategies) == 0 { // no strategy: enabled for everyone
		s, err := tr.enabled(unleashStrategy{Parameters: map[string]any{}})
		if err != nil {
			return nil, err
		}
		return &ff.Targeting{Rules: s, DefaultServe: &ff.Serve{Variant: off}, OffVariant: off}, nil
	}
	for i, s := range tr.feature.Strategies {
		rules, err := tr.strategy(s, i == len(tr.feature.Strategies)-1)
		if err != nil {
			return nil, err
		}
		tg.Rules = append(tg.Rules, rules...)
	}
	return tg, nil
}

// offVariant is what a context no strategy enables gets.
func (tr *unleashTranslator) offVariant() string {
	if tr.flag.Type == ff.TypeBoolean {
		return "off"
	}
	return disabledVariant
}

func param(s unleashStrategy, name string) string {
	switch v := s.Parameters[name].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

func hasVariants(uf unleashFeature) bool {
	if len(uf.Variants) > 0 {
		return true
	}
	for _, s := range uf.Strategies {
		if len(s.Variants) > 0 {
			return true
		}
	}
	return false
}
