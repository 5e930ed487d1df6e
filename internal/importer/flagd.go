package importer

import (
	"encoding/json"
	"fmt"

	ff "github.com/featureflags/featureflags"
)

// flagdFile is a flagd flag definition file.
type flagdFile struct {
	Flags      map[string]flagdFlag `json:"flags"`
	Evaluators map[string]any       `json:"$evaluators,omitempty"`
}

type flagdFlag struct {
	State          string         `json:"state"`
	Variants       map[string]any `json:"variants"`
	DefaultVariant string         `json:"defaultVariant"`
	Targeting      any            `json:"targeting,omitempty"`
}

// Flagd reads flagd flag definitions into env: each flag, its state there,
// its targeting (if/==/!=/in/starts_with/ends_with/sem_ver/fractional,
// "and" of conditions, $ref to evaluators, which become segments), its
// fractional splits with the flagd bucketing scheme so users keep their
// variant.
func Flagd(data []byte, env string) (*Result, error) {
	var in flagdFile
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, fmt.Errorf("flagd file: %w", err)
	}
	r := newResult(env)
	for _, name := range sortedKeys(in.Evaluators) {
		sg, err := flagdSegment(name, in.Evaluators[name])
		if err != nil {
			r.Problems = append(r.Problems, Problem{Flag: "$evaluators." + name, Reason: err.Error()})
			continue
		}
		r.Dataset.Segments = append(r.Dataset.Segments, sg)
	}
	for _, key := range sortedKeys(in.Flags) {
		f, err := flagdToFlag(key, in.Flags[key], env, r)
		r.addFlag(key, f, err)
	}
	return r, nil
}

// flagdSegment turns an evaluator (a condition, or "and"/"or" of them) into
// a segment.
func flagdSegment(name string, expr any) (*ff.Segment, error) {
	sg := &ff.Segment{ID: ff.NewID(), Name: name, Version: 1, Match: "all"}
	if args, ok := opArgs(expr, "or"); ok {
		sg.Match = "any"
		expr = map[string]any{"and": args}
	}
	conds, err := flagdConditions(expr)
	sg.Conditions = conds
	return sg, err
}

func flagdToFlag(key string, in flagdFlag, env string, r *Result) (*ff.Flag, error) {
	f := newFlag(key)
	t, err := typeOf(in.Variants)
	if err != nil {
		return nil, err
	}
	f.Type = t
	tr := &flagdTranslator{key: key, names: map[string]string{}, r: r}
	tr.variants(f, in.Variants)
	f.Environments[env] = in.State == "ENABLED"
	def, err := tr.variant(in.DefaultVariant)
	if err != nil {
		return nil, err
	}
	tr.def = def
	tg := &ff.Targeting{DefaultServe: &ff.Serve{Variant: def}, OffVariant: def}
	if in.Targeting != nil && !isEmptyObject(in.Targeting) {
		if err := tr.targeting(tg, in.Targeting); err != nil {
			return nil, err
		}
	}
	f.Targeting[env] = tg
	return f, nil
}

func isEmptyObject(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 0
}

// flagdTranslator translates one flag's targeting.
type flagdTranslator struct {
	key   string
	def   string            // our name of the default variant
	names map[string]string // flagd variant name -> ours (booleans: on/off)
	r     *Result
}

// variants copies the variants; a boolean flag's become "on" and "off".
func (tr *flagdTranslator) variants(f *ff.Flag, vs map[string]any) {
	if f.Type != ff.TypeBoolean {
		f.Variants = vs
		for name := range vs {
			tr.names[name] = name
		}
		return
	}
	for _, name := range sortedKeys(vs) {
		ours := "off"
		if vs[name] == true {
			ours = "on"
		}
		tr.names[name] = ours // several names may hold the same value
	}

}

func (tr *flagdTranslator) variant(v any) (string, error) {
	name, ok := v.(string)
	if !ok {
		if b, isBool := v.(bool); isBool { // flagd accepts booleans as variant names
			name = fmt.Sprint(b)
		} else {
			return "", cannot("a variant is chosen by a computed value (%s), which only fixed variant names can express", compact(v))
		}
	}
	ours, ok := tr.names[name]
	if !ok {
		return "", cannot("unknown variant %q", name)
	}
	return ours, nil
}

// targeting translates a top-level expression: a variant, a fractional,
// or an if chain.
func (tr *flagdTranslator) targeting(tg *ff.Targeting, expr any) error {
	if args, ok := opArgs(expr, "if"); ok {
		return tr.ifChain(tg, args)
	}
	s, err := tr.serve(expr)
	if err != nil {
		return err
	}
	tr.missingKey(tg, nil, s)
	tg.DefaultServe = s
	return nil
}

// missingKey adds, before a split, the rule flagd applies implicitly: a
// context without the bucketing value gets the default variant.
func (tr *flagdTranslator) missingKey(tg *ff.Targeting, conds []ff.Condition, s *ff.Serve) {
	if s.Rollout == nil {
		return
	}
	absent := append(append([]ff.Condition(nil), conds...), ff.Condition{Attribute: s.Rollout.BucketBy, Operator: "absent"})
	tg.Rules = append(tg.Rules, ff.Rule{Conditions: absent, Serve: ff.Serve{Variant: tr.def}})
}

// ifChain turns if [c1, r1, c2, r2, ..., else] into rules; a nested if in
// the else position continues the chain.
func (tr *flagdTranslator) ifChain(tg *ff.Targeting, args []any) error {
	for len(args) >= 2 {
		conds, err := flagdConditions(args[0])
		if err != nil {
			return err
		}
		s, err := tr.serve(args[1])
		if err != nil {
			return err
		}
		tr.missingKey(tg, conds, s)
		tg.Rules = append(tg.Rules, ff.Rule{Conditions: conds, Serve: *s})
		args = args[2:]
	}
	if len(args) == 1 {
		return tr.targeting(tg, args[0])
	}
	return nil
}

// serve translates a result: a variant name or a fractional split.
func (tr *flagdTranslator) serve(expr any) (*ff.Serve, error) {
	if args, ok := opArgs(expr, "fractional"); ok {
		ro, err := tr.fractional(args)
		return &ff.Serve{Rollout: ro}, err
	}
	if _, isMap := expr.(map[string]any); isMap {
		return nil, cannot("a rule's result %s is neither a variant name nor a fractional", compact(expr))
	}
	v, err := tr.variant(expr)
	return &ff.Serve{Variant: v}, err
}

// fractional translates flagd's split, keeping its bucketing: the hash of
// the bucketing value (by default the flag key + targeting key) scaled by
// the total weight.
func (tr *flagdTranslator) fractional(args []any) (*ff.Rollout, error) {
	ro := &ff.Rollout{Scheme: ff.SchemeFlagd, Seed: tr.key, BucketBy: "targetingKey"}
	if len(args) > 0 {
		if _, isList := args[0].([]any); !isList {
			seed, by, err := bucketExpr(args[0], tr.key)
			if err != nil {
				return nil, err
			}
			ro.Seed, ro.BucketBy, args = seed, by, args[1:]
		}
	}
	shares, err := tr.shares(args)
	if err != nil {
		return nil, err
	}
	vs, exact := split(shares)
	if !exact {
		tr.r.approximate(tr.key, "fractional weights that are not whole multiples of 0.001 % are rounded: users at a bucket boundary may get the neighbouring variant")
	}
	ro.Variants = vs
	return ro, nil
}

func (tr *flagdTranslator) shares(args []any) ([]share, error) {
	var shares []share
	var total float64
	for _, a := range args {
		b, ok := a.([]any)
		if !ok || len(b) == 0 || len(b) > 2 {
			return nil, cannot("fractional bucket %s is not [variant, weight]", compact(a))
		}
		v, err := tr.variant(b[0])
		if err != nil {
			return nil, err
		}
		w := 1.0
		if len(b) == 2 {
			if w, ok = b[1].(float64); !ok {
				return nil, cannot("fractional weight %s is computed; only fixed weights can be expressed", compact(b[1]))
			}
		}
		w = max(w, 0) // flagd treats a negative weight as 0
		total += w
		shares = append(shares, share{variant: v, weight: w})
	}
	if total == 0 {
		return nil, cannot("fractional weights sum to 0")
	}
	return shares, nil
}

// bucketExpr reads fractional's bucketing value: {"var": attr}, or a "cat"
// of literal strings (and $flagd.flagKey) ending with one {"var": attr}.
func bucketExpr(expr any, key string) (seed, attr string, err error) {
	if a, ok := varName(expr); ok {
		return "", a, nil
	}
	parts, ok := opArgs(expr, "cat")
	if !ok || len(parts) == 0 {
		return "", "", cannot("fractional buckets by %s; only a var or a cat of strings and one final var can be expressed", compact(expr))
	}
	for _, p := range parts[:len(parts)-1] {
		switch x := p.(type) {
		case string:
			seed += x
		default:
			if n, isVar := varName(p); isVar && n == "$flagd.flagKey" {
				seed += key
				continue
			}
			return "", "", cannot("fractional buckets by a cat with %s before its last part", compact(p))
		}
	}
	attr, ok = varName(parts[len(parts)-1])
	if !ok || attr == "$flagd.flagKey" {
		return "", "", cannot("fractional buckets by a cat that does not end with a context attribute")
	}
	return seed, attr, nil
}

func compact(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
