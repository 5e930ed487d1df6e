package main

import (
	"io"
	"strings"
	"testing"
)

func TestTrustedProxiesConfiguration(t *testing.T) {
	env := func(k string) string {
		if k == "FEATUREFLAGS_TRUSTED_PROXIES" {
			return "10.0.0.0/8, 127.0.0.1"
		}
		return ""
	}
	cfg, err := parseConfig("serve", nil, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(cfg.TrustedProxies); got != 2 || cfg.TrustedProxies[0].String() != "10.0.0.0/8" || cfg.TrustedProxies[1].String() != "127.0.0.1/32" {
		t.Errorf("from the environment: %v", cfg.TrustedProxies)
	}
	cfg, err = parseConfig("serve", []string{"--trusted-proxies", "::1"}, env, io.Discard)
	if err != nil || len(cfg.TrustedProxies) != 1 || cfg.TrustedProxies[0].String() != "::1/128" {
		t.Errorf("the flag wins over the environment: %v %v", cfg.TrustedProxies, err)
	}
	bad := func(k string) string {
		if k == "FEATUREFLAGS_TRUSTED_PROXIES" {
			return "10.0.0.0/33"
		}
		return ""
	}
	if _, err := parseConfig("serve", nil, bad, io.Discard); err == nil || !strings.Contains(err.Error(), "FEATUREFLAGS_TRUSTED_PROXIES") {
		t.Errorf("a bad prefix: %v", err)
	}
}
