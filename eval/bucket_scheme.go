package eval

import (
	ff "github.com/featureflags/featureflags"
)

// unleashVariantSeed is the murmur3 seed Unleash hashes variant stickiness
// with (its rollout percentages use seed 0).
const unleashVariantSeed = 86028157

// bucket maps a hash to one of the rollout's 100,000 buckets.
//
// Without a modulus it is floor(h × 100,000 / 2^32): the native scheme, and
// flagd's fractional, which computes floor(h × total / 2^32) and compares it
// with cumulative weights; with weights scaled to sum to 100,000 both
// compare the same way. With a modulus m (Unleash: h mod m is the
// "normalized value" minus one) it is floor((h mod m) × 100,000 / m), which
// falls below floor(c × 100,000 / m) exactly when h mod m < c, so a rollout
// whose cumulative weights are those floors chooses as Unleash does.
func (r *rollout) scaled(h uint32) uint32 {
	if r.modulus == 0 {
		return bucketOf(h)
	}
	return uint32(uint64(h%r.modulus) * buckets / uint64(r.modulus))
}

// setScheme prepares the hash prefix and modulus of r's scheme:
//
//	native           murmur3(salt + "/" + value), salt the flag's id
//	flagd            murmur3(seed + value), as flagd's fractional hashes
//	                 the concatenation it buckets by (its shorthand uses
//	                 the flag key + targeting key: seed = flag key)
//	unleash          murmur3(seed + ":" + value) mod 100, seed the group id
//	unleash-variant  murmur3 with seed 86028157 of seed + ":" + value,
//	                 mod the variants' total weight (modulus, default 1000)
func (out *rollout) setScheme(path, salt string, r *ff.Rollout) error {
	if r.Modulus != 0 && r.Scheme != ff.SchemeUnleash && r.Scheme != ff.SchemeUnleashVariant {
		return ff.FieldErrorf(path+".modulus", "only the unleash schemes take a modulus")
	}
	switch r.Scheme {
	case "", ff.SchemeNative:
		if r.Seed != "" {
			return ff.FieldErrorf(path+".seed", "the native scheme salts with the flag's id and takes no seed")
		}
		murmur3Write(&out.prefix, salt)
		murmur3Write(&out.prefix, "/")
	case ff.SchemeFlagd:
		murmur3Write(&out.prefix, r.Seed)
	case ff.SchemeUnleash, ff.SchemeUnleashVariant:
		return out.setUnleash(path, r)
	default:
		return ff.FieldErrorf(path+".scheme", "unknown bucketing scheme %q; use native, flagd, unleash or unleash-variant", r.Scheme)
	}
	return nil
}

func (out *rollout) setUnleash(path string, r *ff.Rollout) error {
	if r.Seed == "" {
		return ff.FieldErrorf(path+".seed", "the %s scheme needs a seed: the Unleash group id or flag name", r.Scheme)
	}
	if r.Modulus > buckets {
		return ff.FieldErrorf(path+".modulus", "modulus must be at most %d", buckets)
	}
	out.modulus = 100
	if r.Scheme == ff.SchemeUnleashVariant {
		out.prefix.h, out.modulus = unleashVariantSeed, 1000
	}
	if r.Modulus != 0 {
		out.modulus = r.Modulus
	}
	murmur3Write(&out.prefix, r.Seed)
	murmur3Write(&out.prefix, ":")
	return nil
}
