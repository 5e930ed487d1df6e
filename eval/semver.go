package eval

import "strings"

// version is a parsed semantic version (semver.org 2.0.0). Build metadata is
// validated and dropped: it plays no part in precedence.
type version struct {
	major, minor, patch uint64
	pre                 string // dot-separated pre-release identifiers, or ""
}

// parse sets v from MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], with an
// optional leading "v". Attributes are parsed on every evaluation, so it
// makes one pass, does not allocate and fills v in place (returning a
// version by value measurably slowed evaluation down).
func (v *version) parse(s string) bool {
	*v = version{}
	var ok bool
	s = strings.TrimPrefix(s, "v")
	if v.major, s, ok = versionNumber(s); !ok || !strings.HasPrefix(s, ".") {
		return false
	}
	if v.minor, s, ok = versionNumber(s[1:]); !ok || !strings.HasPrefix(s, ".") {
		return false
	}
	if v.patch, s, ok = versionNumber(s[1:]); !ok {
		return false
	}
	if strings.HasPrefix(s, "-") {
		end := strings.IndexByte(s, '+')
		if end < 0 {
			end = len(s)
		}
		if v.pre = s[1:end]; !validIdentifiers(v.pre, true) {
			return false
		}
		s = s[end:]
	}
	if strings.HasPrefix(s, "+") {
		if !validIdentifiers(s[1:], false) {
			return false
		}
		s = ""
	}
	return s == ""
}

// parseRelease is parse for the common MAJOR.MINOR.PATCH form (an optional
// leading "v", numbers of up to 19 digits without leading zeros, no
// pre-release or build): three inlined digit loops and no version in
// memory, as context versions are parsed on every evaluation. It reports
// false for anything else, which parse then decides; where it reports true,
// parse agrees (TestParseReleaseAgreesWithParse).
func parseRelease(s string) (major, minor, patch uint64, ok bool) {
	if len(s) > 0 && s[0] == 'v' {
		s = s[1:]
	}
	major, i := releaseNumber(s, 0)
	if i == 0 || i >= len(s) || s[i] != '.' {
		return 0, 0, 0, false
	}
	minor, j := releaseNumber(s, i+1)
	if j == i+1 || j >= len(s) || s[j] != '.' {
		return 0, 0, 0, false
	}
	patch, k := releaseNumber(s, j+1)
	if k != len(s) || k == j+1 {
		return 0, 0, 0, false
	}
	return major, minor, patch, true
}

// compareRelease is compareVersions of the release major.minor.patch and b,
// without the release in memory.
func compareRelease(major, minor, patch uint64, b *version) int {
	switch {
	case major != b.major:
		return cmpUint(major, b.major)
	case minor != b.minor:
		return cmpUint(minor, b.minor)
	case patch != b.patch:
		return cmpUint(patch, b.patch)
	case b.pre != "": // a release outranks its pre-releases
		return 1
	}
	return 0
}

// releaseNumber reads the digits of s from i and returns the index after
// them, or i when there are none, more than 19 or a leading zero.
func releaseNumber(s string, i int) (uint64, int) {
	start, n := i, uint64(0)
	for ; i < len(s) && s[i]-'0' <= 9; i++ {
		n = n*10 + uint64(s[i]-'0')
	}
	if i-start > 19 || i-start > 1 && s[start] == '0' {
		return 0, start
	}
	return n, i
}

// versionNumber reads a numeric identifier (no leading zeros) from the start
// of s and returns the rest. Up to 19 digits cannot overflow a uint64; 20
// do when they exceed its maximum, which as strings of the same length
// compare the same way.
func versionNumber(s string) (uint64, string, bool) {
	i, n := 0, uint64(0)
	for ; i < len(s) && s[i]-'0' <= 9; i++ {
		n = n*10 + uint64(s[i]-'0')
	}
	if i == 0 || i > 1 && s[0] == '0' || i >= 20 && (i > 20 || s[:i] > maxUint64Digits) {
		return 0, s, false
	}
	return n, s[i:], true
}

const maxUint64Digits = "18446744073709551615"

// validIdentifiers reports whether s is a non-empty dot-separated list of
// non-empty [0-9A-Za-z-] identifiers; in a pre-release, numeric identifiers
// must not have leading zeros.
func validIdentifiers(s string, pre bool) bool {
	for {
		id, rest, more := strings.Cut(s, ".")
		if id == "" {
			return false
		}
		for i := 0; i < len(id); i++ {
			c := id[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
				return false
			}
		}
		if pre && len(id) > 1 && id[0] == '0' && numeric(id) {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

func numeric(id string) bool {
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// compareVersions returns -1, 0 or +1 as a has lower, equal or higher
// precedence than b.
func compareVersions(a, b *version) int {
	switch {
	case a.major != b.major:
		return cmpUint(a.major, b.major)
	case a.minor != b.minor:
		return cmpUint(a.minor, b.minor)
	case a.patch != b.patch:
		return cmpUint(a.patch, b.patch)
	case a.pre == b.pre:
		return 0
	case a.pre == "": // a release outranks its pre-releases
		return 1
	case b.pre == "":
		return -1
	}
	x, y := a.pre, b.pre
	for x != "" && y != "" {
		var ix, iy string
		ix, x, _ = strings.Cut(x, ".")
		iy, y, _ = strings.Cut(y, ".")
		if c := compareIdentifiers(ix, iy); c != 0 {
			return c
		}
	}
	switch { // equal so far: the longer list wins
	case x != "":
		return 1
	case y != "":
		return -1
	}
	return 0
}

func compareIdentifiers(a, b string) int {
	na, nb := numeric(a), numeric(b)
	switch {
	case na && nb: // no leading zeros, so the longer is larger
		if len(a) != len(b) {
			return cmpUint(uint64(len(a)), uint64(len(b)))
		}
		return strings.Compare(a, b)
	case na: // numeric identifiers rank below alphanumeric ones
		return -1
	case nb:
		return 1
	}
	return strings.Compare(a, b)
}

func cmpUint(a, b uint64) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}
