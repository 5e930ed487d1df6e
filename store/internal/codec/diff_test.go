package codec

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestStoredBefore(t *testing.T) {
	big := strings.Repeat("x", 500)
	tests := []struct {
		name, before, after string
		diffed              bool
	}{
		{"update keeps one copy", `{"_id":"a","description":"old","targeting":{"production":{"rules":[{"name":"` + big + `"}]}},"version":1}`,
			`{"_id":"a","description":"new","targeting":{"production":{"rules":[{"name":"` + big + `"}]}},"version":2}`, true},
		{"removed and added fields", `{"a":1,"gone":{"deep":true},"same":"` + big + `"}`, `{"a":1,"new":[1,2],"same":"` + big + `"}`, true},
		{"numbers as written", `{"n":12345678901234567890,"same":"` + big + `"}`, `{"n":1,"same":"` + big + `"}`, true},
		{"toggle: not smaller", `{"environments":{"production":false}}`, `{"environments":{"production":true}}`, false},
		{"null cannot be patched", `{"expiresAt":null,"same":"` + big + `"}`, `{"expiresAt":"2026-01-01","same":"` + big + `"}`, false},
		{"no after", `{"a":1}`, ``, false},
		{"no before", ``, `{"a":1}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			full, diff := StoredBefore(json.RawMessage(tt.before), json.RawMessage(tt.after))
			if (diff != nil) != tt.diffed {
				t.Fatalf("diff = %s, want diffed %v", diff, tt.diffed)
			}
			if !tt.diffed {
				if string(full) != tt.before {
					t.Fatalf("kept %s, want the before %s", full, tt.before)
				}
				return
			}
			if full != nil || len(diff) >= len(tt.before)/2 {
				t.Fatalf("kept before %s and a diff of %d bytes for a before of %d", full, len(diff), len(tt.before))
			}
			rebuilt, err := RestoreBefore(json.RawMessage(tt.after), diff)
			if err != nil || !sameJSON(rebuilt, json.RawMessage(tt.before)) {
				t.Fatalf("rebuilt %s (%v), want %s", rebuilt, err, tt.before)
			}
		})
	}
}
