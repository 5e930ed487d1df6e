package featureflags

import (
	"encoding/json"
	"time"
)

// Targeting decides which variant a flag serves in one environment while it
// is on: the first rule whose conditions all hold, else DefaultServe. While
// the environment is off the flag serves OffVariant.
type Targeting struct {
	// Prerequisites are flags of the same environment that must serve one
	// of the given variants for this flag to be evaluated at all; when one
	// does not, the flag serves OffVariant (prerequisite.go).
	Prerequisites []Prerequisite `json:"prerequisites,omitempty"`
	Rules         []Rule         `json:"rules,omitempty"`
	DefaultServe  *Serve         `json:"defaultServe,omitempty"`
	OffVariant    string         `json:"offVariant,omitempty"`
}

// Clone returns a deep copy of t.
func (t *Targeting) Clone() *Targeting {
	if t == nil {
		return nil
	}
	// Targeting is plain data: a JSON round trip is a correct deep copy and
	// this is not on any hot path.
	b, err := json.Marshal(t)
	if err != nil {
		panic(err)
	}
	var c Targeting
	if err := json.Unmarshal(b, &c); err != nil {
		panic(err)
	}
	return &c
}

// Rule serves Serve to contexts for which every condition holds.
type Rule struct {
	Name       string      `json:"name,omitempty"`
	Conditions []Condition `json:"conditions"`
	Serve      Serve       `json:"serve"`
}

// Serve is what a rule or default serves: one variant, or a rollout that
// splits contexts between variants by weight. Exactly one is set.
type Serve struct {
	Variant string   `json:"variant,omitempty"`
	Rollout *Rollout `json:"rollout,omitempty"`
}

// Rollout splits contexts between variants by stable bucketing of a context
// attribute (the targeting key unless BucketBy names another).
//
// Scheme names how a context is hashed into a bucket, so that flags
// imported from another system keep every user in the bucket that system
// gave them: "native" (or empty, the default), "flagd", "unleash" or
// "unleash-variant" (see the eval package). Seed is the scheme's salt: the
// prefix flagd hashes before the value, or Unleash's group id; native
// rollouts salt with the flag's id and take no seed. Modulus is the
// normalizer of the Unleash schemes: 100 for rollouts, the variants' total
// weight (1000 in Unleash's UI) for variants.
type Rollout struct {
	BucketBy string            `json:"bucketBy,omitempty"`
	Scheme   string            `json:"scheme,omitempty"`
	Seed     string            `json:"seed,omitempty"`
	Modulus  uint32            `json:"modulus,omitempty"`
	Variants []WeightedVariant `json:"variants"`
}

// The bucketing schemes of a Rollout.
const (
	SchemeNative         = "native"
	SchemeFlagd          = "flagd"
	SchemeUnleash        = "unleash"
	SchemeUnleashVariant = "unleash-variant"
)

// WeightedVariant is one share of a rollout, Weight in percent (0–100, in
// steps of 0.001).
type WeightedVariant struct {
	Variant string  `json:"variant"`
	Weight  float64 `json:"weight"`
}

// Condition tests one context attribute (a dotted path into nested objects)
// with an operator against Value, or for segment operators names a segment.
type Condition struct {
	Attribute string `json:"attribute,omitempty"`
	Operator  string `json:"operator"`
	Value     any    `json:"value,omitempty"`
}

// Segment is a named, reusable set of conditions shared by all flags and
// environments: a context is in it when all (Match "all") or any (Match
// "any") of its conditions hold.
type Segment struct {
	ID          string      `json:"_id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Match       string      `json:"match"`
	Conditions  []Condition `json:"conditions"`
	Version     int64       `json:"version"`
	CreatedAt   time.Time   `json:"createdAt"`
	UpdatedAt   time.Time   `json:"updatedAt"`
}
