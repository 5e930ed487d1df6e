package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestAuditRetentionConfig(t *testing.T) {
	cfg, err := parseConfig("serve", nil, func(string) string { return "" }, io.Discard)
	if err != nil || !cfg.AuditRetention.Off() {
		t.Fatalf("default retention %+v (%v), want off", cfg.AuditRetention, err)
	}
	env := map[string]string{"FEATUREFLAGS_AUDIT_MAX_EVENTS": "5000", "FEATUREFLAGS_AUDIT_RETENTION": "7d"}
	cfg, err = parseConfig("serve", []string{"--audit-retention", "90d"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AuditRetention.MaxAge != 90*24*time.Hour || cfg.AuditRetention.MaxEvents != 5000 {
		t.Fatalf("retention %+v, want 90 days (the flag wins) and 5000 events", cfg.AuditRetention)
	}
	cfg, err = parseConfig("serve", []string{"--audit-retention", "36h"}, func(string) string { return "" }, io.Discard)
	if err != nil || cfg.AuditRetention.MaxAge != 36*time.Hour {
		t.Fatalf("--audit-retention 36h: %+v (%v)", cfg.AuditRetention, err)
	}
	for _, bad := range [][]string{{"--audit-retention", "-1d"}, {"--audit-retention", "soon"}, {"--audit-max-events", "-1"}} {
		_, err := parseConfig("serve", bad, func(string) string { return "" }, io.Discard)
		if err == nil {
			t.Fatalf("%v accepted", bad)
		}
	}
	_, err = parseConfig("serve", nil, func(k string) string { return map[string]string{"FEATUREFLAGS_AUDIT_RETENTION": "x"}[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "FEATUREFLAGS_AUDIT_RETENTION") {
		t.Fatalf("a bad FEATUREFLAGS_AUDIT_RETENTION: %v", err)
	}
}
