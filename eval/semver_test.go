package eval

import "testing"

func TestParseVersion(t *testing.T) {
	valid := map[string]version{
		"0.0.0":                      {},
		"1.2.3":                      {major: 1, minor: 2, patch: 3},
		"v1.2.3":                     {major: 1, minor: 2, patch: 3},
		"10.20.30-rc.1":              {major: 10, minor: 20, patch: 30, pre: "rc.1"},
		"1.0.0-0.3.7":                {major: 1, pre: "0.3.7"},
		"1.0.0-x-y-z.--":             {major: 1, pre: "x-y-z.--"},
		"1.0.0+20130313144700":       {major: 1},
		"1.0.0-beta+exp.sha.5114f85": {major: 1, pre: "beta"},
		"1.2.3+01":                   {major: 1, minor: 2, patch: 3}, // build may have leading zeros
	}
	for s, want := range valid {
		var got version
		ok := got.parse(s)
		if !ok || got != want {
			t.Errorf("parseVersion(%q) = %+v, %t; want %+v, true", s, got, ok, want)
		}
	}
	for _, s := range []string{
		"", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03", "a.b.c", "-1.2.3", "1.-2.3",
		"1.2.3-", "1.2.3+", "1.2.3-01", "1.2.3-a..b", "1.2.3-alpha.", "1.2.3+a..b", "1.2.3 ",
		" 1.2.3", "1.2.3-é", "vv1.2.3", "V1.2.3", "18446744073709551616.0.0",
	} {
		var v version
		if v.parse(s) {
			t.Errorf("parseVersion(%q) = %+v, accepted; want rejected", s, v)
		}
	}
}

func TestCompareVersionsPrecedence(t *testing.T) {
	// semver.org §11, lowest first.
	ordered := []string{
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "1.10.0", "2.0.0", "18446744073709551615.0.0",
	}
	for i, a := range ordered {
		for j, b := range ordered {
			var va, vb version
			va.parse(a)
			if !vb.parse(b) {
				t.Fatalf("parseVersion(%q) failed", b)
			}
			want := cmpUint(uint64(i), uint64(j))
			if got := compareVersions(&va, &vb); got != want {
				t.Errorf("compareVersions(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
	}
	var a, b version
	if !a.parse("1.2.3+build.1") || !b.parse("v1.2.3+build.2") || compareVersions(&a, &b) != 0 {
		t.Error("build metadata or the v prefix changed precedence")
	}
}

// TestParseReleaseAgreesWithParse checks the fast path against parse on
// every string of up to seven characters over an alphabet of the characters
// that matter, and on the cases TestParseVersion lists.
func TestParseReleaseAgreesWithParse(t *testing.T) {
	const alphabet = "019.v-+a"
	buf := make([]byte, 0, 7)
	var walk func()
	walk = func() {
		checkParseRelease(t, string(buf))
		if len(buf) == cap(buf) {
			return
		}
		for i := 0; i < len(alphabet); i++ {
			buf = append(buf, alphabet[i])
			walk()
			buf = buf[:len(buf)-1]
		}
	}
	walk()
	for _, s := range []string{
		"1.2.3", "v1.2.3", "0.0.0", "10.20.30", "01.2.3", "1.02.3", "1.2.03", "1.2.3-rc.1", "1.2.3+b",
		"1234567890123456789.0.0", "12345678901234567890.0.0", "18446744073709551615.1.2",
		"18446744073709551616.0.0", "0.0.1234567890123456789", "1.2.3.", ".1.2.3", "1..2.3", "vv1.2.3",
	} {
		checkParseRelease(t, s)
	}
}

// FuzzParseRelease is TestParseReleaseAgreesWithParse on arbitrary strings.
func FuzzParseRelease(f *testing.F) {
	for _, s := range []string{"1.2.3", "v0.10.200", "1.2.3-rc.1", "01.2.3", "99999999999999999999.0.0"} {
		f.Add(s)
	}
	f.Fuzz(checkParseRelease)
}

func checkParseRelease(t *testing.T, s string) {
	var slow version
	okSlow := slow.parse(s)
	major, minor, patch, ok := parseRelease(s)
	if fast := (version{major: major, minor: minor, patch: patch}); ok && (!okSlow || fast != slow) {
		t.Fatalf("%q: parseRelease = %+v, parse = %+v, %t", s, fast, slow, okSlow)
	}
}

// TestCompareReleaseAgreesWithCompareVersions compares releases with
// releases and pre-releases both ways.
func TestCompareReleaseAgreesWithCompareVersions(t *testing.T) {
	versions := []string{"0.0.0", "0.0.1", "1.0.0-alpha", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "1.1.0-0",
		"2.0.0", "10.0.0", "18446744073709551615.0.0", "18446744073709551615.18446744073709551615.18446744073709551615"}
	for _, a := range versions {
		var va version
		if !va.parse(a) {
			t.Fatalf("parse(%q) failed", a)
		}
		for _, b := range versions {
			var vb version
			vb.parse(b)
			if va.pre != "" {
				continue
			}
			if got, want := compareRelease(va.major, va.minor, va.patch, &vb), compareVersions(&va, &vb); got != want {
				t.Errorf("compareRelease(%s, %s) = %d, compareVersions = %d", a, b, got, want)
			}
		}
	}
}
