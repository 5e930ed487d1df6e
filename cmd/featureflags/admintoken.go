package main

import (
	"fmt"
	"math"

	"github.com/featureflags/featureflags/internal/auth"
)

// minSecretBits is the least estimated entropy of a chosen admin token. The
// store keeps a token as an unsalted SHA-256, so a guessable one could be
// found from a copy of the database; 32 random hexadecimal digits always
// estimate above 90 bits.
const minSecretBits = 80

// weakSecret says why secret is too guessable for an admin token, or "".
func weakSecret(secret string) string {
	switch {
	case len(secret) < auth.MinSecretLength:
		return fmt.Sprintf("it has %d characters; at least %d are needed", len(secret), auth.MinSecretLength)
	case estimatedBits(secret) < minSecretBits:
		return fmt.Sprintf("its characters carry about %.0f bits of entropy; at least %d are needed", estimatedBits(secret), minSecretBits)
	case repeats(secret):
		return "it repeats one shorter string"
	case sequential(secret):
		return "it is mostly runs of consecutive or repeated characters"
	}
	return ""
}

// estimatedBits is the length times the Shannon entropy of the secret's
// byte frequencies: a rough upper bound on what it could hold.
func estimatedBits(s string) float64 {
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	n, bits := float64(len(s)), 0.0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			bits -= n * p * math.Log2(p)
		}
	}
	return bits
}

// repeats reports whether s is a shorter string repeated (a prefix of
// that string may end it).
func repeats(s string) bool {
	for p := 1; p <= len(s)/2; p++ {
		if s[p:] == s[:len(s)-p] {
			return true
		}
	}
	return false
}

// sequential reports whether over two thirds of neighbouring characters
// are equal or consecutive ("abcd", "4321", "aaaa").
func sequential(s string) bool {
	steps := 0
	for i := 1; i < len(s); i++ {
		if d := int(s[i]) - int(s[i-1]); d >= -1 && d <= 1 {
			steps++
		}
	}
	return steps*3 > (len(s)-1)*2
}
