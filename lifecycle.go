package featureflags

import (
	"slices"
	"strings"
	"time"
)

// FlagKind says what a flag is for, and so how long it is expected to live.
type FlagKind string

// The kinds of flags, as Unleash names them.
const (
	KindRelease     FlagKind = "release"     // ships a change gradually; removed once it is out
	KindExperiment  FlagKind = "experiment"  // compares variants; removed once decided
	KindOperational FlagKind = "operational" // a temporary operational switch
	KindPermission  FlagKind = "permission"  // grants a capability to some users; permanent
	KindKillSwitch  FlagKind = "kill-switch" // turns a feature off in an emergency; permanent
)

// Kinds lists every kind.
var Kinds = []FlagKind{KindRelease, KindExperiment, KindOperational, KindPermission, KindKillSwitch}

// DefaultLifetimes are the expected lifetimes of the kinds that have one
// (Unleash's defaults); the others are permanent.
var DefaultLifetimes = map[FlagKind]time.Duration{
	KindRelease:     40 * 24 * time.Hour,
	KindExperiment:  40 * 24 * time.Hour,
	KindOperational: 7 * 24 * time.Hour,
}

// CheckKind returns an EINVALID error unless k is empty or one of Kinds.
func CheckKind(k FlagKind) error {
	if k == "" || slices.Contains(Kinds, k) {
		return nil
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return FieldErrorf("kind", "unknown kind %q: use %s", k, strings.Join(names, ", "))
}

// MaxOwnerLength bounds a flag's owner, in bytes.
const MaxOwnerLength = 256
