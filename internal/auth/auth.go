// Package auth is access control apart from the store: the secrets of API
// tokens and environment keys (generation, hashing, comparison), what each
// role may do, the credentials of an HTTP request, and the identity of the
// caller carried in a request's context for the audit trail.
//
// Secrets are "<prefix><base64url of 32 random bytes>": the prefix tells at
// a glance (and to secret scanners) what a leaked string is —
// "ffa_" an admin, editor or viewer token, "ffs_" a server key and "ffc_" a
// client key. Only the hex SHA-256 of a secret is ever stored: a secret has
// 256 random bits, so a fast hash is a sufficient verifier (no password
// stretching is needed), and it lets a request be checked with one hash and
// a map lookup.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"

	ff "github.com/featureflags/featureflags"
)

// Secret prefixes by kind.
const (
	PrefixToken     = "ffa_" // admin, editor and viewer tokens
	PrefixServerKey = "ffs_" // server keys
	PrefixClientKey = "ffc_" // client keys
)

// SecretBytes is how many random bytes a generated secret carries.
const SecretBytes = 32

// MinSecretLength is the shortest secret accepted from outside (the
// FEATUREFLAGS_ADMIN_TOKEN an operator chooses): generated ones are longer.
const MinSecretLength = 32

// Prefix returns the secret prefix of a role.
func Prefix(role ff.Role) string {
	switch role {
	case ff.RoleServerKey:
		return PrefixServerKey
	case ff.RoleClientKey:
		return PrefixClientKey
	}
	return PrefixToken
}

// NewSecret returns a new random secret for a token of the given role.
func NewSecret(role ff.Role) (string, error) {
	var b [SecretBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return Prefix(role) + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// Hash returns the verifier the store keeps for a secret: its SHA-256 in hex.
func Hash(secret string) string {
	var buf [HashLen]byte
	return string(AppendHash(buf[:0], secret))
}

// HashLen is the length of a Hash.
const HashLen = 2 * sha256.Size

// AppendHash appends Hash(secret) to b: with room in b, and a secret of
// usual length, it allocates nothing, for a look-up on every request.
func AppendHash(b []byte, secret string) []byte {
	var in [128]byte
	sum := sha256.Sum256(append(in[:0], secret...))
	return hex.AppendEncode(b, sum[:])
}

// HashEqual compares two verifiers in constant time.
func HashEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Permission is what a route requires of its caller.
type Permission int

// The permissions, from none to the most.
const (
	// Public routes need no credentials: health probes and CORS preflights.
	Public Permission = iota
	// Evaluate is flag evaluation (OFREP): environment keys of the
	// environment evaluated in, and every admin, editor and viewer token.
	Evaluate
	// Rules is reading an environment's flags with their targeting rules,
	// as SDKs that evaluate in process do (the snapshot stream and the
	// configuration they poll): server keys of that environment and every
	// viewer, editor and admin token. Client keys may not: their
	// applications run where anyone can read what they fetch.
	Rules
	// Read is reading the management API, audit history included: viewers,
	// editors and admins.
	Read
	// Write is changing flags, targeting and segments: editors and admins.
	Write
	// Admin is managing environments and tokens: admins.
	Admin
)

func (p Permission) String() string {
	switch p {
	case Public:
		return "public"
	case Evaluate:
		return "evaluate"
	case Rules:
		return "rules"
	case Read:
		return "read"
	case Write:
		return "write"
	case Admin:
		return "admin"
	}
	return "unknown"
}

// Allows reports whether a token of role may use a route requiring p.
// Environment keys may evaluate only; which environment is the caller's
// business (see the server).
func Allows(role ff.Role, p Permission) bool {
	switch p {
	case Public:
		return true
	case Evaluate:
		return role.Valid()
	case Rules:
		return role == ff.RoleServerKey || role == ff.RoleViewer || role == ff.RoleEditor || role == ff.RoleAdmin
	case Read:
		return role == ff.RoleViewer || role == ff.RoleEditor || role == ff.RoleAdmin
	case Write:
		return role == ff.RoleEditor || role == ff.RoleAdmin
	case Admin:
		return role == ff.RoleAdmin
	}
	return false
}

// Credentials returns the secret a request presents: the token of an
// "Authorization: Bearer" header or else the X-API-Key header (what OFREP
// providers send). ok is false when an Authorization header is there but
// is not a bearer token.
func Credentials(h http.Header) (secret string, ok bool) {
	if a := h.Get("Authorization"); a != "" {
		scheme, rest, _ := strings.Cut(a, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return "", false
		}
		return strings.TrimSpace(rest), true
	}
	return strings.TrimSpace(h.Get("X-Api-Key")), true // canonical: no copy per request
}

// The actors that are not tokens.
var (
	// Local is every caller while access control is off.
	Local = ff.Actor{Type: "local"}
	// CLI is the command line working on the store directly.
	CLI = ff.Actor{Type: "cli"}
)

// TokenActor is the actor of a request authenticated with t.
func TokenActor(t *ff.Token) ff.Actor {
	return ff.Actor{Type: "token", ID: t.ID, Name: t.Name}
}

type (
	actorKey     struct{}
	tokenKey     struct{}
	requestIDKey struct{}
)

// The keys of what this package keeps in a context, for a context that
// answers them itself: the server's per-request state does, so that a
// request costs no allocation per value.
var (
	ActorKey     any = actorKey{}
	TokenKey     any = tokenKey{}
	RequestIDKey any = requestIDKey{}
)

// WithActor returns ctx carrying the actor changes made with it are
// recorded under.
func WithActor(ctx context.Context, a ff.Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor WithActor put in ctx, or Local.
func ActorFrom(ctx context.Context) ff.Actor {
	if a, ok := ctx.Value(actorKey{}).(ff.Actor); ok {
		return a
	}
	return Local
}

// WithToken returns ctx carrying the token a request authenticated with,
// and its actor.
func WithToken(ctx context.Context, t *ff.Token) context.Context {
	return WithActor(context.WithValue(ctx, tokenKey{}, t), TokenActor(t))
}

// TokenFrom returns the token WithToken put in ctx, or nil.
func TokenFrom(ctx context.Context) *ff.Token {
	t, _ := ctx.Value(tokenKey{}).(*ff.Token)
	return t
}

// WithRequestID returns ctx carrying a request's id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request id in ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
