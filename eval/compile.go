package eval

import (
	"math"
	"slices"
	"strconv"

	"github.com/featureflags/featureflags"
)

// flagDef is the environment-independent part of a compiled flag.
type flagDef struct {
	key      string
	typ      featureflags.FlagType
	salt     string
	variants map[string]*variant
	on, off  *variant // served without targeting (see the package doc)
}

// compiler turns domain values into compiled ones. Validate and Compile both
// use it, so a write is accepted exactly when it compiles.
type compiler struct {
	sources  map[string]*featureflags.Segment
	override *featureflags.Segment // the segment ValidateSegment checks
	done     map[string]*segment
	failed   map[string]*featureflags.Error
	visiting map[string]bool
	// regexLeft is what the flag or segment being compiled may still
	// spend on regular expressions (LimitRegexTotal).
	regexLeft int
	// meta is the metadata of the flag metaOf (metadataFor).
	metaOf *featureflags.Flag
	meta   *Metadata
	metas  map[metaKey]*Metadata // shared metadata by content
	// overWorkDetails is overWork's error details, built once.
	overWorkDetails string
	key             []byte // conditionID's, reused
}

func newCompiler(segments map[string]*featureflags.Segment) *compiler {
	return &compiler{
		sources:  segments,
		done:     map[string]*segment{},
		failed:   map[string]*featureflags.Error{},
		visiting: map[string]bool{},
	}
}

// flag compiles a flag's type and variants.
func (c *compiler) flag(f *featureflags.Flag) (*flagDef, error) {
	d := &flagDef{key: f.Name, typ: f.Type, salt: f.ID, variants: map[string]*variant{}}
	c.regexLeft = MaxRegexTotal()
	if d.typ == "" {
		d.typ = featureflags.TypeBoolean
	}
	switch d.typ {
	case featureflags.TypeBoolean, featureflags.TypeString, featureflags.TypeNumber, featureflags.TypeObject:
	default:
		return nil, featureflags.FieldErrorf("type", "unknown flag type %q: use boolean, string, number or object", f.Type)
	}
	if d.salt == "" { // not yet created: the name is as stable as it gets
		d.salt = f.Name
	}
	names := make([]string, 0, len(f.Variants))
	for name := range f.Variants {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if name == "" {
			return nil, featureflags.FieldErrorf("variants", "variant names must not be empty")
		}
		v, problem := variantValue(d.typ, f.Variants[name])
		if problem != "" {
			return nil, featureflags.FieldErrorf("variants."+name, "variant %q %s", name, problem)
		}
		d.variants[name] = &variant{name: name, value: v}
	}
	if d.typ != featureflags.TypeBoolean {
		if len(names) == 0 {
			return nil, featureflags.FieldErrorf("variants", "a %s flag needs at least one variant", d.typ)
		}
		d.on, d.off = d.variants[names[0]], d.variants[names[0]]
		return d, nil
	}
	for _, name := range []string{"on", "off"} {
		value := name == "on"
		v, ok := d.variants[name]
		if !ok {
			v = &variant{name: name, value: value}
			d.variants[name] = v
		} else if v.value != value {
			return nil, featureflags.FieldErrorf("variants."+name, "variant %q of a boolean flag must be %t", name, value)
		}
		if value {
			d.on = v
		} else {
			d.off = v
		}
	}
	return d, nil
}

// env compiles the flag's state and targeting in one environment. Most
// flags of a large service serve one result whatever the context (off, or
// on without targeting): they keep that result only, since at 100,000
// flags in a few environments every result built per flag costs tens of
// megabytes. The others also get the results only evaluation can reach.
func (c *compiler) env(d *flagDef, env string, t *featureflags.Targeting, on bool) (*flagEnv, error) {
	fe := &flagEnv{key: d.key, typ: d.typ}
	off := d.off
	var conds []condition // all rules', flat (place)
	var ends []int        // where each rule ends in conds
	if t != nil {
		n := 0
		for i := range t.Rules {
			n += max(len(t.Rules[i].Conditions), 1)
		}
		conds, ends = make([]condition, 0, n), make([]int, 0, len(t.Rules))
		base := "targeting." + env
		prereqs, err := d.prerequisites(base, t.Prerequisites)
		if err != nil {
			return nil, err
		}
		if len(prereqs) > 0 {
			fe.prereqs = &prereqSet{list: prereqs}
		}
		for i := range t.Rules {
			path := base + ".rules[" + strconv.Itoa(i) + "]"
			conds, err = c.conditions(conds, path, t.Rules[i].Conditions)
			if err != nil {
				return nil, err
			}
			if len(t.Rules[i].Conditions) == 0 {
				conds = append(conds, condition{op: opAlways})
			}
			ends = append(ends, len(conds))
			s, err := c.serve(d, path+".serve", &t.Rules[i].Serve, ReasonTargetingMatch)
			if err != nil {
				return nil, err
			}
			fe.rules = append(fe.rules, rule{serve: s})
		}
		if len(fe.rules) > 0 {
			flat := conds
			fe.conds = &flat
			for i, part := range place(flat, ends) {
				fe.rules[i].conds = part
			}
		}
		if t.DefaultServe != nil {
			s, err := c.serve(d, base+".defaultServe", t.DefaultServe, ReasonDefault)
			if err != nil {
				return nil, err
			}
			fe.def = s
		}
		if t.OffVariant != "" {
			v, ok := d.variants[t.OffVariant]
			if !ok {
				return nil, featureflags.FieldErrorf(base+".offVariant", "unknown variant %q", t.OffVariant)
			}
			off = v
		}
	}
	if fe.def.result == nil && fe.def.rollout == nil {
		fe.def.result = d.result(d.on, ReasonDefault)
	}
	switch {
	case !on:
		fe.fixed = d.result(off, ReasonDisabled)
		fe.def = serve{} // never served while fixed; the rules stay for Explain
	case fe.prereqs == nil && len(fe.rules) == 0 && fe.def.rollout == nil:
		fe.fixed, fe.def = fe.def.result, serve{}
		fe.fixed.Reason = ReasonStatic
	default:
		if fe.prereqs != nil {
			fe.prereqs.failed = d.result(off, ReasonDisabled)
		}
		fe.overWork = c.overWork(d)
	}
	return fe, nil
}

// result builds the result of serving v.
func (d *flagDef) result(v *variant, reason string) *tally {
	return &tally{Result: Result{Key: d.key, Type: d.typ, Value: v.value, Variant: v.name, Reason: reason}}
}

// serve compiles a rule's or the default serve; reason is what a fixed
// variant reports (a rollout reports SPLIT).
func (c *compiler) serve(d *flagDef, path string, s *featureflags.Serve, reason string) (serve, error) {
	switch {
	case s.Variant != "" && s.Rollout != nil:
		return serve{}, featureflags.FieldErrorf(path, "serve either a variant or a rollout, not both")
	case s.Rollout != nil:
		r, err := c.rollout(d, path+".rollout", s.Rollout)
		return serve{rollout: r}, err
	case s.Variant != "":
		v, ok := d.variants[s.Variant]
		if !ok {
			return serve{}, featureflags.FieldErrorf(path+".variant", "unknown variant %q", s.Variant)
		}
		return serve{result: d.result(v, reason)}, nil
	}
	return serve{}, featureflags.FieldErrorf(path, "serve a variant or a rollout")
}

func (c *compiler) rollout(d *flagDef, path string, r *featureflags.Rollout) (*rollout, error) {
	bucketBy := r.BucketBy
	if bucketBy == "" {
		bucketBy = "targetingKey"
	}
	attr, err := attributePath(path+".bucketBy", bucketBy)
	if err != nil {
		return nil, err
	}
	out := &rollout{attr: attr, missing: tally{Result: Result{Key: d.key, Type: d.typ, Reason: ReasonError, ErrorCode: ErrorTargetingKeyMissing,
		ErrorDetails: "the rollout buckets by attribute " + strconv.Quote(bucketBy) + ", which is missing, empty, or neither a string nor a number"}}}
	if err := out.setScheme(path, d.salt, r); err != nil {
		return nil, err
	}
	if len(r.Variants) == 0 {
		return nil, featureflags.FieldErrorf(path+".variants", "a rollout needs at least one variant")
	}
	var sum int64
	var seen []*variant
	for i, wv := range r.Variants {
		vpath := path + ".variants[" + strconv.Itoa(i) + "]"
		v, ok := d.variants[wv.Variant]
		if !ok {
			return nil, featureflags.FieldErrorf(vpath+".variant", "unknown variant %q", wv.Variant)
		}
		if slices.Contains(seen, v) {
			return nil, featureflags.FieldErrorf(vpath+".variant", "variant %q is listed twice", wv.Variant)
		}
		if !(wv.Weight >= 0 && wv.Weight <= 100) {
			return nil, featureflags.FieldErrorf(vpath+".weight", "weight must be between 0 and 100")
		}
		// Integer thousandths of a percent, i.e. buckets: exact from here on.
		milli := math.Round(wv.Weight * 1000)
		if math.Abs(wv.Weight*1000-milli) > 1e-6 {
			return nil, featureflags.FieldErrorf(vpath+".weight", "weight %v is not a multiple of 0.001", wv.Weight)
		}
		sum += int64(milli)
		seen = append(seen, v)
		out.results = append(out.results, tally{Result: Result{Key: d.key, Type: d.typ, Value: v.value, Variant: v.name, Reason: ReasonSplit}})
		out.upper = append(out.upper, uint32(min(sum, buckets)))
	}
	if sum != buckets {
		return nil, featureflags.FieldErrorf(path+".variants", "weights sum to %s, not 100",
			strconv.FormatFloat(float64(sum)/1000, 'f', -1, 64))
	}
	return out, nil
}

// place numbers flat, the conditions of rules one after the other (rule i
// ends before ends[i]; a rule without conditions holds one of op always),
// for run, and returns each rule's conditions (without that stand-in).
func place(flat []condition, ends []int) [][]condition {
	parts := make([][]condition, len(ends))
	start := 0
	for i, end := range ends {
		for j := start; j < end; j++ {
			flat[j].rule, flat[j].next, flat[j].last = int32(i), int32(end), j == end-1
		}
		if parts[i] = flat[start:end:end]; flat[start].op == opAlways {
			parts[i] = flat[start:start:start]
		}
		start = end
	}
	return parts
}
