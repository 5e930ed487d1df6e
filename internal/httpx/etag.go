package httpx

import (
	"net/http"
	"strconv"
	"strings"
)

// ETag is the strong entity tag of a version or revision: the number,
// quoted.
func ETag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// entityTag is one member of an If-Match or If-None-Match list.
type entityTag struct {
	tag  string // quotes included, W/ not
	weak bool
}

// parseETags reads the values of a conditional header (RFC 9110 section
// 13.1): "*", or a comma-separated list of entity tags, each quoted and
// possibly weak (W/"x"); quoted tags may themselves hold commas. It reports
// ok false for anything else, which matches nothing.
func parseETags(values []string) (tags []entityTag, star bool, ok bool) {
	for _, v := range values {
		for v = strings.TrimLeft(v, " \t,"); v != ""; v = strings.TrimLeft(v, " \t,") {
			var t entityTag
			if t, v, ok = nextETag(v); !ok {
				return nil, false, false
			}
			if t.tag == "*" {
				star = true
			} else {
				tags = append(tags, t)
			}
		}
	}
	return tags, star, true
}

// nextETag reads the list member v starts with, "*" or an entity tag, and
// returns the rest, which must be empty or start with the next comma.
func nextETag(v string) (t entityTag, rest string, ok bool) {
	if v[0] == '*' {
		t.tag, v = "*", v[1:]
	} else {
		if strings.HasPrefix(v, "W/") {
			t.weak, v = true, v[2:]
		}
		end := strings.IndexByte(v[min(1, len(v)):], '"') + 2 // just after the closing quote
		if v == "" || v[0] != '"' || end < 2 {
			return t, "", false
		}
		t.tag, v = v[:end], v[end:]
	}
	v = strings.TrimLeft(v, " \t")
	return t, v, v == "" || v[0] == ','
}

// NoneMatch reports whether r's If-None-Match names tag, by the weak
// comparison RFC 9110 prescribes for it, or is "*".
func NoneMatch(r *http.Request, tag string) bool {
	tag = strings.TrimPrefix(tag, "W/")
	tags, star, ok := parseETags(r.Header.Values("If-None-Match"))
	if !ok {
		return false
	}
	for _, t := range tags {
		if t.tag == tag {
			return true
		}
	}
	return star
}

// IfMatchVersion reads an If-Match header that names one version by its
// strong ETag ("3", or "3.x" whose part after the dot it ignores): anyVersion is true for "*" or no header; ok is false for anything
// that cannot name one version (a list, a weak tag, not a number), which
// therefore matches none.
func IfMatchVersion(r *http.Request) (version int64, anyVersion, ok bool) {
	values := r.Header.Values("If-Match")
	tags, star, ok := parseETags(values)
	switch {
	case !ok:
		return 0, false, false
	case len(tags) == 0:
		return 0, true, true // "*", or no header (an empty one included)
	case len(tags) > 1 || star || tags[0].weak:
		return 0, false, false
	}
	// A flag's tag may add ".suffix" to its version (what changes
	// without one); the version alone decides a write.
	tag, _, _ := strings.Cut(strings.Trim(tags[0].tag, `"`), ".")
	v, err := strconv.ParseInt(tag, 10, 64)
	return v, false, err == nil && v > 0
}
