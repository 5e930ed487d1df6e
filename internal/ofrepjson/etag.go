package ofrepjson

import "github.com/featureflags/featureflags/eval"

// BulkETag is the entity tag of a bulk answer: FNV-1a 64 of the
// environment, the snapshot revision and the context encoded canonically
// (keys sorted, so the same context always hashes the same). Every change
// to any flag, segment or environment moves the revision, and evaluation
// depends on nothing else, so the tag changes whenever an answer could.
// scratch is used for the encoding.
func BulkETag(scratch []byte, env string, revision int64, ctx eval.Context) string {
	h := fnv1a(fnvOffset64, env)
	var rev [9]byte
	rev[0] = 0 // separates the environment from the revision
	for i := 0; i < 8; i++ {
		rev[1+i] = byte(uint64(revision) >> (8 * i))
	}
	h = fnv1a(h, rev[:])
	canon, ok := AppendValue(scratch, map[string]any(ctx))
	if !ok { // not from JSON: cannot happen for a decoded body
		canon = append(canon[:0], "\x00unencodable"...)
	}
	h = fnv1a(h, canon)
	var tag [18]byte
	tag[0], tag[17] = '"', '"'
	for i := 0; i < 16; i++ {
		tag[16-i] = hexDigits[h>>(4*i)&0xf]
	}
	return string(tag[:])
}

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// fnv1a continues the FNV-1a 64 hash h over s, a string or bytes alike:
// hash/fnv's Hash64 takes only bytes, through an interface.
func fnv1a[T string | []byte](h uint64, s T) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime64
	}
	return h
}
