package service_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/service"
	"github.com/featureflags/featureflags/store/sqlite"
)

func openSQLite(t testing.TB, path string) ff.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// A token created by another process switches access control on at this
// one's next refresh, and a revocation there takes effect here then too.
func TestAuthFollowsTheStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.db")
	a, b := service.New(openSQLite(t, path)), service.New(openSQLite(t, path))
	ctx := t.Context()
	for _, s := range []*service.Service{a, b} {
		if err := s.Init(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if a.AuthRequired() || b.AuthRequired() {
		t.Fatal("access control on without tokens")
	}
	tok, secret, err := a.CreateToken(ctx, service.TokenInput{Role: ff.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	if !a.AuthRequired() || b.AuthRequired() {
		t.Fatal("the writer's view did not switch at once, or the other's before a refresh")
	}
	if _, err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !b.AuthRequired() {
		t.Fatal("the other process did not switch after a refresh")
	}
	if got, err := b.Authenticate(secret); err != nil || got.ID != tok.ID {
		t.Fatalf("authenticate on the other process: %v %v", got, err)
	}
	if _, err := a.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(secret); !errors.Is(err, service.ErrTokenRevoked) {
		t.Fatalf("revoked elsewhere: %v", err)
	}
	if !b.AuthRequired() {
		t.Fatal("revoking the last token switched access control off")
	}
	if _, err := b.Authenticate("ffa_nope"); !errors.Is(err, service.ErrTokenUnknown) {
		t.Fatalf("unknown secret: %v", err)
	}
}

func TestEnsureAdminToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flags.db")
	s := service.New(openSQLite(t, path))
	ctx := t.Context()
	if err := s.Init(ctx); err != nil {
		t.Fatal(err)
	}
	secret := strings.Repeat("s", auth.MinSecretLength)
	if created, err := s.EnsureAdminToken(ctx, secret); err != nil || !created {
		t.Fatalf("first: %v %v", created, err)
	}
	// Another replica, or a restart: nothing more.
	other := service.New(openSQLite(t, path))
	if created, err := other.EnsureAdminToken(ctx, secret); err != nil || created {
		t.Fatalf("second: %v %v", created, err)
	}
	tokens, err := s.ListTokens(ctx)
	if err != nil || len(tokens) != 1 || tokens[0].Name != service.BootstrapTokenName || tokens[0].Role != ff.RoleAdmin {
		t.Fatalf("tokens %+v %v", tokens, err)
	}
	if got, err := s.Authenticate(secret); err != nil || got.Role != ff.RoleAdmin {
		t.Fatalf("bootstrap token: %v %v", got, err)
	}
	if _, err := s.EnsureAdminToken(ctx, "short"); ff.ErrorCode(err) != ff.EINVALID {
		t.Fatalf("short secret: %v", err)
	}
	if _, err := s.RevokeToken(ctx, tokens[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnsureAdminToken(ctx, secret); !errors.Is(err, service.ErrTokenRevoked) {
		t.Fatalf("revoked bootstrap token: %v", err)
	}
}

func TestTokenUseFlush(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	st := openSQLite(t, filepath.Join(t.TempDir(), "flags.db"))
	s := service.New(st, service.WithClock(func() time.Time { return now }))
	ctx := t.Context()
	if err := s.Init(ctx); err != nil {
		t.Fatal(err)
	}
	tok, secret, err := s.CreateToken(ctx, service.TokenInput{Role: ff.RoleAdmin, ExpiresAt: ptr(now.Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(secret); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if _, err := s.Authenticate(secret); err != nil {
		t.Fatal(err)
	}
	stored := func() *ff.Token {
		tokens, err := st.ListTokens(ctx)
		if err != nil || len(tokens) != 1 {
			t.Fatalf("%v %v", tokens, err)
		}
		return tokens[0]
	}
	if stored().LastUsedAt != nil {
		t.Fatal("last use written per request")
	}
	if err := s.FlushTokenUse(ctx); err != nil {
		t.Fatal(err)
	}
	if at := stored().LastUsedAt; at == nil || !at.Equal(now) {
		t.Fatalf("flushed last use %v, want %v", at, now)
	}
	if err := s.FlushTokenUse(ctx); err != nil { // nothing pending
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	if _, err := s.Authenticate(secret); !errors.Is(err, service.ErrTokenExpired) {
		t.Fatalf("at expiry: %v", err)
	}
	if tok.ExpiresAt == nil {
		t.Fatal("no expiry kept")
	}
}

func ptr[T any](v T) *T { return &v }

// Imports obey the limits, with fields placed in the dataset.
func TestImportLimits(t *testing.T) {
	st := openSQLite(t, filepath.Join(t.TempDir(), "flags.db"))
	s := service.New(st, service.WithLimits(service.Limits{RulesPerFlag: 1, Flags: 2}))
	ctx := t.Context()
	if err := s.Init(ctx); err != nil {
		t.Fatal(err)
	}
	rule := ff.Rule{Conditions: []ff.Condition{{Attribute: "a", Operator: "eq", Value: "x"}}, Serve: ff.Serve{Variant: "on"}}
	f := flagUsing("f1", "f1", "")
	f.Targeting = map[string]*ff.Targeting{"production": {Rules: []ff.Rule{rule, rule}}}
	err := s.Import(ctx, &ff.Dataset{Environments: []*ff.Environment{{Name: "production", CreatedAt: t0}}, Flags: []*ff.Flag{f}})
	if ff.ErrorLimit(err) != service.LimitRulesPerFlag || ff.ErrorField(err) != "flags[0].targeting.production.rules" || ff.ErrorCode(err) != ff.EINVALID {
		t.Fatalf("rules over the limit: %v (field %q)", err, ff.ErrorField(err))
	}
	err = s.Import(ctx, &ff.Dataset{Flags: []*ff.Flag{flagUsing("a", "a", ""), flagUsing("b", "b", ""), flagUsing("c", "c", "")}})
	if ff.ErrorLimit(err) != service.LimitFlags || ff.ErrorCode(err) != ff.ECONFLICT {
		t.Fatalf("flags over the limit: %v", err)
	}
	events, _, err := s.ListAudit(ctx, service.AuditQuery{})
	if err != nil || len(events) != 0 {
		t.Fatalf("refused imports wrote events: %v %v", events, err)
	}
}
