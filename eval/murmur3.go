package eval

import "math/bits"

// murmur3 is a streaming MurmurHash3 x86_32 state.
//
// Why murmur3 x86_32: it is fast on short keys, distributes well enough for
// bucketing (it passes SMHasher), has published reference vectors, and is the
// hash other flag systems (Unleash, flagd) bucket with, so an SDK in any
// language can reproduce a bucket with a library it already has. It is not a
// cryptographic hash; it does not need to be: bucketing only needs spread.
//
// Streaming lets Compile hash a flag's salt and delimiter once and lets the
// evaluator continue with the attribute value, without concatenating strings.
type murmur3 struct {
	h    uint32 // running hash
	tail uint32 // pending bytes, little endian, not yet a 4-byte block
	nt   uint32 // number of pending bytes, 0–3
	n    uint32 // bytes written so far (mod 2^32, as in the reference)
}

const (
	m3c1 = 0xcc9e2d51
	m3c2 = 0x1b873593
)

func m3mixK(k uint32) uint32 {
	k *= m3c1
	k = bits.RotateLeft32(k, 15)
	return k * m3c2
}

func m3block(h, k uint32) uint32 {
	h ^= m3mixK(k)
	h = bits.RotateLeft32(h, 13)
	return h*5 + 0xe6546b64
}

// murmur3Write feeds s to m. It takes strings only: a generic version for
// []byte too cost evaluation a dictionary and a call per hash, and the rare
// []byte (a number's decimal text) converts without allocating, as the
// string does not escape (TestBucketNumberDoesNotAllocate). Evaluation hashes
// every rollout's attribute with it, after a prefix that leaves a partial
// block: each four bytes of s then complete the pending block and leave as
// many pending, so s is read a word at a time whatever the prefix left,
// the pending bytes below it in one 64-bit word.
func murmur3Write(m *murmur3, s string) {
	h, tail, nt := m.h, m.tail, m.nt
	m.n += uint32(len(s))
	sh := 8 * nt & 31 // nt < 4: the mask only spares a check
	for ; len(s) >= 4; s = s[4:] {
		x := uint64(m3word(s))<<sh | uint64(tail)
		h, tail = m3block(h, uint32(x)), uint32(x>>32)
	}
	if len(s) > 0 {
		x := uint64(m3bytes(s))<<sh | uint64(tail)
		if nt += uint32(len(s)); nt >= 4 {
			h, nt, x = m3block(h, uint32(x)), nt-4, x>>32
		}
		tail = uint32(x)
	}
	m.h, m.tail, m.nt = h, tail, nt
}

// m3word reads four bytes, little endian.
func m3word(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// m3bytes reads up to three bytes, little endian.
func m3bytes(s string) uint32 {
	switch len(s) {
	case 1:
		return uint32(s[0])
	case 2:
		return uint32(s[0]) | uint32(s[1])<<8
	case 3:
		return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16
	}
	return 0
}

// sum returns the hash of everything written; m is not changed.
func (m murmur3) sum() uint32 {
	h := m.h
	if m.nt > 0 {
		h ^= m3mixK(m.tail)
	}
	h ^= m.n
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// murmur3Sum is the one-shot MurmurHash3 x86_32 of s.
func murmur3Sum(seed uint32, s string) uint32 {
	m := murmur3{h: seed}
	murmur3Write(&m, s)
	return m.sum()
}
