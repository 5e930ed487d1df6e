package auth

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
)

func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range []struct {
		role   ff.Role
		prefix string
	}{
		{ff.RoleAdmin, "ffa_"}, {ff.RoleEditor, "ffa_"}, {ff.RoleViewer, "ffa_"},
		{ff.RoleServerKey, "ffs_"}, {ff.RoleClientKey, "ffc_"},
	} {
		s, err := NewSecret(tc.role)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(s, tc.prefix) {
			t.Fatalf("%s secret %q lacks prefix %s", tc.role, s, tc.prefix)
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s, tc.prefix))
		if err != nil || len(raw) != SecretBytes {
			t.Fatalf("%s secret %q: %d random bytes, %v", tc.role, s, len(raw), err)
		}
		if seen[s] {
			t.Fatal("a secret repeated")
		}
		seen[s] = true
	}
}

func TestHash(t *testing.T) {
	h := Hash("ffa_x")
	if len(h) != 64 || strings.Contains(h, "ffa_x") || h != Hash("ffa_x") || h == Hash("ffa_y") {
		t.Fatalf("hash %q", h)
	}
	if !HashEqual(h, Hash("ffa_x")) || HashEqual(h, Hash("ffa_y")) || HashEqual(h, "") {
		t.Fatal("HashEqual")
	}
}

func TestAllows(t *testing.T) {
	roles := []ff.Role{ff.RoleAdmin, ff.RoleEditor, ff.RoleViewer, ff.RoleServerKey, ff.RoleClientKey, "nobody"}
	want := map[Permission]string{
		Public:   "admin editor viewer server-key client-key nobody",
		Evaluate: "admin editor viewer server-key client-key",
		Rules:    "admin editor viewer server-key",
		Read:     "admin editor viewer",
		Write:    "admin editor",
		Admin:    "admin",
	}
	for p, allowed := range want {
		var got []string
		for _, r := range roles {
			if Allows(r, p) {
				got = append(got, string(r))
			}
		}
		if strings.Join(got, " ") != allowed {
			t.Errorf("%s: allowed %v, want %s", p, got, allowed)
		}
	}
}

func TestCredentials(t *testing.T) {
	for _, tc := range []struct {
		headers []string
		secret  string
		ok      bool
	}{
		{nil, "", true},
		{[]string{"Authorization", "Bearer ffa_1"}, "ffa_1", true},
		{[]string{"Authorization", "bearer  ffa_1 "}, "ffa_1", true},
		{[]string{"Authorization", "Basic dTpw"}, "", false},
		{[]string{"Authorization", "ffa_1"}, "", false},
		{[]string{"X-API-Key", "ffc_2"}, "ffc_2", true},
		{[]string{"Authorization", "Bearer ffa_1", "X-API-Key", "ffc_2"}, "ffa_1", true},
	} {
		h := http.Header{}
		for i := 0; i+1 < len(tc.headers); i += 2 {
			h.Set(tc.headers[i], tc.headers[i+1])
		}
		s, ok := Credentials(h)
		if s != tc.secret || ok != tc.ok {
			t.Errorf("%v: %q %v, want %q %v", tc.headers, s, ok, tc.secret, tc.ok)
		}
	}
}

func TestContext(t *testing.T) {
	ctx := context.Background()
	if ActorFrom(ctx) != Local || TokenFrom(ctx) != nil || RequestIDFrom(ctx) != "" {
		t.Fatal("empty context")
	}
	tok := &ff.Token{ID: "t1", Name: "ci"}
	ctx = WithRequestID(WithToken(ctx, tok), "r1")
	if a := ActorFrom(ctx); a != (ff.Actor{Type: "token", ID: "t1", Name: "ci"}) || TokenFrom(ctx) != tok || RequestIDFrom(ctx) != "r1" {
		t.Fatalf("actor %+v", a)
	}
	if ActorFrom(WithActor(ctx, CLI)) != CLI {
		t.Fatal("WithActor")
	}
}
