package usage

import (
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

func TestStaleRules(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	r := StaleRules{}.WithDefaults()
	past := now.Add(-day)
	flag := func(age time.Duration, kind ff.FlagKind, expires *time.Time) *ff.Flag {
		return &ff.Flag{ID: "f", Name: "f", Kind: kind, ExpiresAt: expires, CreatedAt: now.Add(-age),
			Environments: map[string]bool{"production": true}}
	}
	on := func(n int64) ff.UsageBucket { return ff.UsageBucket{Variant: "on", Reason: "STATIC", Count: n} }
	recentUse := map[string]time.Time{"production": now.Add(-time.Hour)}
	for _, c := range []struct {
		name   string
		f      *ff.Flag
		last   map[string]time.Time
		recent []ff.UsageBucket
		want   []string
	}{
		{"young and unused", flag(29*day, "", nil), nil, nil, nil},
		{"old and unused", flag(31*day, "", nil), nil, nil, []string{StaleUnused}},
		{"old, used long ago", flag(90*day, "", nil), map[string]time.Time{"production": now.Add(-31 * day)}, nil, []string{StaleUnused}},
		{"one variant", flag(20*day, "", nil), recentUse, []ff.UsageBucket{on(3), on(4)}, []string{StaleConstant}},
		{"two variants", flag(20*day, "", nil), recentUse, []ff.UsageBucket{on(3), {Variant: "off", Reason: "DEFAULT", Count: 1}}, nil},
		{"one variant and errors", flag(20*day, "", nil), recentUse, []ff.UsageBucket{on(3), {Reason: "ERROR", ErrorCode: "PARSE_ERROR", Count: 1}}, nil},
		{"past expiresAt", flag(2*day, ff.KindPermission, &past), nil, nil, []string{StaleOverdue}},
		{"old release", flag(41*day, ff.KindRelease, nil), recentUse, nil, []string{StaleOverdue}},
		{"old kill-switch", flag(400*day, ff.KindKillSwitch, nil), recentUse, nil, nil},
	} {
		got := r.Stale(c.f, c.last, c.recent, now)
		var kinds []string
		for _, s := range got {
			if s.Why == "" {
				t.Errorf("%s: %s has no words", c.name, s.Kind)
			}
			kinds = append(kinds, s.Kind)
		}
		if len(kinds) != len(c.want) || (len(kinds) > 0 && kinds[0] != c.want[0]) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
