package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"strings"
	"testing"
)

// A chosen admin token is stored as an unsalted SHA-256: a guessable one
// is refused at start, naming the variable and never echoing the token.
func TestWeakAdminTokenRefused(t *testing.T) {
	for _, weak := range []string{
		"short-secret",
		strings.Repeat("a", 40),
		"passwordpasswordpasswordpassword",
		"abcdefghijklmnopqrstuvwxyz0123456789",
		"aabbaabbaabbaabbaabbaabbaabbaabbaabb",
		"11111111111111111111111111111111x",
	} {
		_, err := NewMain(nil, func(k string) string {
			if k == adminTokenVariable {
				return weak
			}
			return ""
		}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), adminTokenVariable) || strings.Contains(err.Error(), weak) {
			t.Errorf("%q: %v, want a refusal naming %s without the token", weak, err, adminTokenVariable)
		}
	}
	for i := 0; i < 200; i++ {
		b := make([]byte, 32)
		rand.Read(b)
		for _, strong := range []string{hex.EncodeToString(b[:16]), hex.EncodeToString(b), base64.StdEncoding.EncodeToString(b)} {
			if why := weakSecret(strong); why != "" {
				t.Fatalf("random token %q refused: %s", strong, why)
			}
		}
	}
}
