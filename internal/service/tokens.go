package service

import (
	"context"
	"crypto/subtle"
	"slices"
	"sync/atomic"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/view"
)

// Access control is on as soon as the store holds any token, revoked and
// expired ones included: tokens are never deleted, so once switched on it
// stays on, and revoking the last token locks the API (the command line,
// `featureflags token create`, still works on the store) rather than
// opening it to everyone. Whether it is on is read from the view, so every
// replica switches it on at its next view refresh after the first token is
// created anywhere.

// Authentication failures (EUNAUTHORIZED: the server answers each with
// 401); compare with errors.Is.
var (
	ErrTokenUnknown error = ff.Errorf(ff.EUNAUTHORIZED, "the token is not valid")
	ErrTokenExpired error = ff.Errorf(ff.EUNAUTHORIZED, "the token has expired")
	ErrTokenRevoked error = ff.Errorf(ff.EUNAUTHORIZED, "the token has been revoked")
)

// BootstrapTokenName names the admin token created from
// FEATUREFLAGS_ADMIN_TOKEN.
const BootstrapTokenName = "bootstrap"

// AuthRequired reports whether access control is on: whether the latest
// view holds any token. It does not touch the store; before the first view
// is loaded it is on (closed until known).
func (s *Service) AuthRequired() bool {
	v := s.Latest()
	return v == nil || len(v.Tokens) > 0
}

// Authenticate returns the token whose secret is secret, from the latest
// view and without touching the store, and records its use in memory (see
// FlushTokenUse). An unknown, expired or revoked secret is an error.
func (s *Service) Authenticate(secret string) (*ff.Token, error) {
	v := s.Latest()
	if v == nil || secret == "" {
		return nil, ErrTokenUnknown
	}
	var buf [auth.HashLen]byte
	hash := auth.AppendHash(buf[:0], secret)
	t, ok := v.Tokens[string(hash)] // a look-up copies nothing
	if !ok || subtle.ConstantTimeCompare([]byte(t.Hash), hash) != 1 {
		return nil, ErrTokenUnknown
	}
	if t.RevokedAt != nil {
		return nil, ErrTokenRevoked
	}
	now := s.now()
	if t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
		return nil, ErrTokenExpired
	}
	s.recordUse(t.ID, now)
	return t, nil
}

func (s *Service) recordUse(id string, now time.Time) {
	ms := now.UnixMilli()
	c, ok := s.usage.Load(id)
	if !ok {
		c, _ = s.usage.LoadOrStore(id, new(atomic.Int64))
	}
	c.(*atomic.Int64).Store(ms)
}

// pendingUse returns the last use of a token not yet flushed, or zero.
func (s *Service) pendingUse(id string) time.Time {
	if c, ok := s.usage.Load(id); ok {
		if ms := c.(*atomic.Int64).Load(); ms != 0 {
			return time.UnixMilli(ms).UTC()
		}
	}
	return time.Time{}
}

// FlushTokenUse writes the last-used times recorded since the last flush
// to the store in one TouchTokens. Should that fail, they are kept for the
// next flush (unless a newer use replaced them).
func (s *Service) FlushTokenUse(ctx context.Context) error {
	batch := map[string]time.Time{}
	s.usage.Range(func(id, c any) bool {
		if ms := c.(*atomic.Int64).Swap(0); ms != 0 {
			batch[id.(string)] = time.UnixMilli(ms).UTC()
		}
		return true
	})
	if len(batch) == 0 {
		return nil
	}
	err := s.Store().TouchTokens(ctx, batch)
	if err != nil {
		for id, at := range batch {
			if c, ok := s.usage.Load(id); ok {
				c.(*atomic.Int64).CompareAndSwap(0, at.UnixMilli())
			}
		}
	}
	return err
}

// TokenInput describes a new token.
type TokenInput struct {
	Name        string
	Role        ff.Role
	Environment string     // environment keys only
	ExpiresAt   *time.Time // none: it never expires
}

// CreateToken creates a token with a new random secret and returns it with
// the secret, which is shown this once: the store keeps only its hash.
func (s *Service) CreateToken(ctx context.Context, in TokenInput) (*ff.Token, string, error) {
	secret, err := auth.NewSecret(in.Role)
	if err != nil {
		return nil, "", err
	}
	t, err := s.createToken(ctx, in, secret)
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

func (s *Service) createToken(ctx context.Context, in TokenInput, secret string) (*ff.Token, error) {
	now := s.timestamp()
	if in.Name == "" {
		in.Name = string(in.Role)
	}
	t := &ff.Token{
		ID: ff.NewID(), Name: in.Name, Role: in.Role, Environment: in.Environment,
		Hash: auth.Hash(secret), CreatedAt: now, ExpiresAt: in.ExpiresAt,
	}
	if t.ExpiresAt != nil {
		at := t.ExpiresAt.UTC().Truncate(time.Millisecond)
		t.ExpiresAt = &at
	}
	err := s.Write(ctx, func(v *view.View) error {
		if err := validateToken(t, v.EnvNames, now); err != nil {
			return err
		}
		return s.Store().CreateToken(s.audited(ctx, ActionTokenCreate, "token", t.ID, t.Name, t.Environment, nil, t), t)
	}, nil)
	if err != nil {
		return nil, err
	}
	return t, nil
}

func validateToken(t *ff.Token, envs []string, now time.Time) error {
	if err := ff.ValidateName("name", t.Name); err != nil {
		return err
	}
	if !t.Role.Valid() {
		return ff.FieldErrorf("role", "role %q is invalid: use admin, editor, viewer, server-key or client-key", t.Role)
	}
	if t.Role.IsKey() {
		if t.Environment == "" {
			return ff.FieldErrorf("environment", "a %s is bound to one environment: give environment", t.Role)
		}
		if err := checkEnvironment("environment", t.Environment, envs); err != nil {
			return err
		}
	} else if t.Environment != "" {
		return ff.FieldErrorf("environment", "only server and client keys are bound to an environment; a %s token acts on all", t.Role)
	}
	if t.ExpiresAt != nil && !t.ExpiresAt.After(now) {
		return ff.FieldErrorf("expiresAt", "expiresAt %s is not in the future", t.ExpiresAt.Format(time.RFC3339))
	}
	return nil
}

// EnsureAdminToken makes secret (FEATUREFLAGS_ADMIN_TOKEN) an admin token
// named "bootstrap" unless the store already knows it, and reports whether
// it did; replicas starting together may race, and a conflict is fine. A
// revoked bootstrap token stays revoked (ErrTokenRevoked).
func (s *Service) EnsureAdminToken(ctx context.Context, secret string) (bool, error) {
	if len(secret) < auth.MinSecretLength {
		return false, ff.Errorf(ff.EINVALID, "the admin token must be at least %d characters long", auth.MinSecretLength)
	}
	t, err := s.Store().FindTokenByHash(ctx, auth.Hash(secret))
	switch {
	case err == nil && t.RevokedAt != nil:
		return false, ErrTokenRevoked
	case err == nil:
		return false, nil
	case ff.ErrorCode(err) != ff.ENOTFOUND:
		return false, err
	}
	_, err = s.createToken(ctx, TokenInput{Name: BootstrapTokenName, Role: ff.RoleAdmin}, secret)
	if ff.ErrorCode(err) == ff.ECONFLICT {
		return false, nil
	}
	return err == nil, err
}

// ListTokens returns every token, newest first, revoked ones included, with
// last-used times recorded but not yet flushed.
func (s *Service) ListTokens(ctx context.Context) ([]*ff.Token, error) {
	tokens, err := s.Store().ListTokens(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tokens {
		if at := s.pendingUse(t.ID); !at.IsZero() && (t.LastUsedAt == nil || at.After(*t.LastUsedAt)) {
			t.LastUsedAt = &at
		}
	}
	if tokens == nil {
		tokens = []*ff.Token{}
	}
	return tokens, nil
}

// RevokeToken revokes the token with this id at once; revoking a revoked
// token changes nothing.
func (s *Service) RevokeToken(ctx context.Context, id string) (*ff.Token, error) {
	var revoked *ff.Token
	err := s.Write(ctx, func(*view.View) error {
		tokens, err := s.Store().ListTokens(ctx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(tokens, func(t *ff.Token) bool { return t.ID == id })
		if i < 0 {
			return ff.Errorf(ff.ENOTFOUND, "token %q not found", id)
		}
		cur := tokens[i]
		if cur.RevokedAt != nil {
			revoked = cur
			return nil
		}
		now := s.timestamp()
		next := *cur
		next.RevokedAt = &now
		revoked = &next
		return s.Store().RevokeToken(s.audited(ctx, ActionTokenRevoke, "token", cur.ID, cur.Name, cur.Environment, cur, &next), id, now)
	}, nil)
	if err != nil {
		return nil, err
	}
	return revoked, nil
}
