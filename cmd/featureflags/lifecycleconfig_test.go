package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
)

func TestKindLifetimeConfig(t *testing.T) {
	const day = 24 * time.Hour
	cfg, err := parseConfig("serve", nil, func(string) string { return "" }, io.Discard)
	if err != nil || cfg.Usage.server().Stale.Lifetimes[ff.KindRelease] != 40*day || len(cfg.Usage.KindLifetimes) != 3 {
		t.Fatalf("default lifetimes %v (%v), want Unleash's", cfg.Usage.KindLifetimes, err)
	}
	env := map[string]string{"FEATUREFLAGS_KIND_LIFETIME": "release=10d,operational=3d"}
	cfg, err = parseConfig("serve", []string{"--kind-lifetime", "release=21d,experiment=permanent,permission=365d"},
		func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := kindLifetimes{ff.KindRelease: 21 * day, ff.KindOperational: 3 * day, ff.KindPermission: 365 * day}
	got := cfg.Usage.server().Stale.Lifetimes
	if len(got) != len(want) {
		t.Fatalf("lifetimes %v, want %v", got, want)
	}
	for k, d := range want {
		if got[k] != d {
			t.Fatalf("lifetimes %v, want %v (the flag wins per kind)", got, want)
		}
	}
	for _, bad := range []string{"release", "rollout=3d", "release=soon", "release=-2d", "=4d"} {
		var out bytes.Buffer
		if _, err := parseConfig("serve", []string{"--kind-lifetime", bad}, func(string) string { return "" }, &out); err == nil {
			t.Fatalf("--kind-lifetime %s accepted", bad)
		} else if !strings.Contains(out.String(), "kind-lifetime") {
			t.Fatalf("--kind-lifetime %s: message %q does not name the setting", bad, out.String())
		}
	}
	_, err = parseConfig("serve", nil, func(k string) string { return map[string]string{"FEATUREFLAGS_KIND_LIFETIME": "x=1d"}[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "FEATUREFLAGS_KIND_LIFETIME") {
		t.Fatalf("a bad FEATUREFLAGS_KIND_LIFETIME: %v", err)
	}
}

func TestUsageRetentionConfig(t *testing.T) {
	cfg, err := parseConfig("serve", nil, func(string) string { return "" }, io.Discard)
	if err != nil || cfg.Usage.server().Retention != 90*24*time.Hour {
		t.Fatalf("default usage retention %v (%v), want 90 days", cfg.Usage.Retention, err)
	}
	env := map[string]string{"FEATUREFLAGS_USAGE_RETENTION": "0"}
	cfg, err = parseConfig("serve", nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil || cfg.Usage.server().Retention != 0 {
		t.Fatalf("FEATUREFLAGS_USAGE_RETENTION=0: %v (%v), want 0 (keep all)", cfg.Usage.Retention, err)
	}
	for _, bad := range []string{"-1d", "soon"} {
		if _, err := parseConfig("serve", []string{"--usage-retention", bad}, func(string) string { return "" }, io.Discard); err == nil {
			t.Fatalf("--usage-retention %s accepted", bad)
		}
	}
}
