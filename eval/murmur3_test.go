package eval

import (
	"strings"
	"testing"
)

// Reference vectors for MurmurHash3 x86_32: Ian Boyd's set
// (https://stackoverflow.com/a/31929528, reproduced by mmh3, Boost.Hash2 and
// others) plus well-known seed-0 strings.
var murmur3Vectors = []struct {
	seed uint32
	in   string
	want uint32
}{
	{0, "", 0},
	{1, "", 0x514e28b7},
	{0xffffffff, "", 0x81f16f39},
	{0, "\xff\xff\xff\xff", 0x76293b50},
	{0, "\x21\x43\x65\x87", 0xf55b516b},
	{0x5082edee, "\x21\x43\x65\x87", 0x2362f9de},
	{0, "\x21\x43\x65", 0x7e4a8634},
	{0, "\x21\x43", 0xa0f7b07a},
	{0, "\x21", 0x72661cf4},
	{0, "\x00\x00\x00\x00", 0x2362f9de},
	{0, "\x00\x00\x00", 0x85f0b427},
	{0, "\x00\x00", 0x30f4c306},
	{0, "\x00", 0x514e28b7},
	{0x9747b28c, "aaaa", 0x5a97808a},
	{0x9747b28c, "a", 0x7fa09ea6},
	{0x9747b28c, "Hello, world!", 0x24884cba},
	{0x9747b28c, "ππππππππ", 0xd58063c1},
	{0x9747b28c, "The quick brown fox jumps over the lazy dog", 0x2fa826cd},
	{0x9747b28c, strings.Repeat("a", 256), 0x37405bdc},
	{0, "hello", 0x248bfa47},
	{0, "foo", 0xf6a5c420},
	{0, "The quick brown fox jumps over the lazy dog", 0x2e4ff723},
}

func TestMurmur3ReferenceVectors(t *testing.T) {
	for _, v := range murmur3Vectors {
		if got := murmur3Sum(v.seed, v.in); got != v.want {
			t.Errorf("murmur3(%q, seed %#x) = %#08x, want %#08x", v.in, v.seed, got, v.want)
		}
	}
}

// Streaming must not depend on how the input is cut: the evaluator writes
// salt, "/" and value separately.
func TestMurmur3StreamingMatchesOneShot(t *testing.T) {
	for _, v := range murmur3Vectors {
		for i := 0; i <= len(v.in); i++ {
			for j := i; j <= len(v.in); j++ {
				m := murmur3{h: v.seed}
				murmur3Write(&m, v.in[:i])
				murmur3Write(&m, v.in[i:j])
				murmur3Write(&m, v.in[j:])
				if got := m.sum(); got != v.want {
					t.Fatalf("murmur3(%q) cut at %d,%d = %#08x, want %#08x", v.in, i, j, got, v.want)
				}
			}
		}
	}
}
