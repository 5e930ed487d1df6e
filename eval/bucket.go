package eval

import (
	"math"
	"strconv"
)

// buckets is the resolution of rollouts: 100,000 buckets of 0.001 % each.
const buckets = 100_000

// bucketOf maps a 32-bit hash to [0, buckets) by multiply-shift,
// floor(h × buckets / 2^32). As 2^32 is not a multiple of 100,000, some
// buckets receive 42,950 hash values and the rest 42,949, a relative
// difference of 0.0023 % that no test at 0.001 % resolution can see. Modulo
// has the same imbalance but gives all the heavier buckets to the start of the
// range, that is to the first variant; multiply-shift spreads them evenly.
func bucketOf(h uint32) uint32 {
	return uint32(uint64(h) * buckets >> 32)
}

// rollout is a compiled featureflags.Rollout.
type rollout struct {
	attr    attribute // the bucketing attribute
	prefix  murmur3   // hash state after the scheme's prefix (salt + "/")
	modulus uint32    // the Unleash schemes' normalizer, 0 for the others
	upper   []uint32  // upper[i] is the exclusive last bucket of results[i]
	results []tally   // one per variant, reason SPLIT
	missing tally     // the TARGETING_KEY_MISSING result
}

// pick returns the result of the variant ctx falls in, or the
// TARGETING_KEY_MISSING result when the bucketing attribute is absent, empty
// or neither a string nor a number.
func (r *rollout) pick(ctx view) *tally {
	b, ok := r.bucket(ctx)
	if !ok {
		return &r.missing
	}
	return &r.results[r.variant(b)]
}

// variant returns the index in results of the variant bucket b falls in.
func (r *rollout) variant(b uint32) int {
	for i, u := range r.upper {
		if b < u {
			return i
		}
	}
	return len(r.upper) - 1 // unreachable: the last upper is buckets
}

// bucket hashes the scheme's prefix and the bucketing attribute (the prefix
// is hashed at compile time) and maps the hash to a bucket.
func (r *rollout) bucket(ctx view) (uint32, bool) {
	v, ok := ctx.held(&r.attr)
	if !ok {
		v = r.attr.get(ctx)
	}
	if v == nil {
		return 0, false
	}
	h := r.prefix
	if s, isString := v.(string); isString {
		if s == "" {
			return 0, false
		}
		murmur3Write(&h, s)
	} else {
		var buf [32]byte
		b, ok := appendNumber(buf[:0], v)
		if !ok {
			return 0, false
		}
		murmur3Write(&h, string(b)) // no allocation: the string does not escape
	}
	return r.scaled(h.sum()), true
}

// appendNumber appends the decimal form of a numeric attribute: integral
// values as integers ("42", whether the caller sent 42 or 42.0), others in
// the shortest form that round-trips.
func appendNumber(dst []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case int:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), true
	case int64:
		return strconv.AppendInt(dst, x, 10), true
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), true
	case uint64:
		return strconv.AppendUint(dst, x, 10), true
	}
	f, ok := toNumber(v)
	if !ok || math.IsInf(f, 0) {
		return dst, false
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.AppendInt(dst, int64(f), 10), true
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64), true
}
