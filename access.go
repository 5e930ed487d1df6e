package featureflags

import (
	"context"
	"encoding/json"
	"time"
)

// Role is what a token may do.
type Role string

// The roles. Admins may do everything, editors change flags, segments and
// targeting, viewers read. Environment keys are bound to one environment and
// may only evaluate there: a server key sees targeting rules (the SDK
// snapshot stream), a client key only evaluation results, so it is safe to
// ship to browsers.
const (
	RoleAdmin     Role = "admin"
	RoleEditor    Role = "editor"
	RoleViewer    Role = "viewer"
	RoleServerKey Role = "server-key"
	RoleClientKey Role = "client-key"
)

// IsKey reports whether r is an environment key's role.
func (r Role) IsKey() bool { return r == RoleServerKey || r == RoleClientKey }

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleEditor, RoleViewer, RoleServerKey, RoleClientKey:
		return true
	}
	return false
}

// Token is an API token or environment key. Its secret is shown once, at
// creation; the store keeps only Hash, the hex SHA-256 of the secret.
type Token struct {
	ID          string     `json:"_id"`
	Name        string     `json:"name"`
	Role        Role       `json:"role"`
	Environment string     `json:"environment,omitempty"` // environment keys only
	Hash        string     `json:"-"`
	CreatedAt   time.Time  `json:"createdAt"`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
	LastUsedAt  *time.Time `json:"lastUsedAt,omitempty"`
	RevokedAt   *time.Time `json:"revokedAt,omitempty"`
}

// Actor is who made a change: a token, or "local" when access control is
// off, or "cli" for the command line working on the store directly.
type Actor struct {
	Type string `json:"type"` // "token", "local" or "cli"
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// AuditEvent records one change. Before and After are the changed item as
// JSON before and after the change (absent for a creation or a deletion).
type AuditEvent struct {
	ID          string          `json:"_id"`
	Time        time.Time       `json:"time"`
	Actor       Actor           `json:"actor"`
	Action      string          `json:"action"` // e.g. "flag.create", "flag.toggle", "token.revoke"
	TargetType  string          `json:"targetType"`
	TargetID    string          `json:"targetId"`
	TargetName  string          `json:"targetName"`
	Environment string          `json:"environment,omitempty"`
	Before      json.RawMessage `json:"before,omitempty"`
	After       json.RawMessage `json:"after,omitempty"`
	RequestID   string          `json:"requestId,omitempty"`
}

// AuditFilter selects audit events; zero fields select everything. Events
// come newest first; Cursor continues after the last event of a page.
type AuditFilter struct {
	TargetID    string // a flag's (or other item's) id
	Environment string
	Actor       string // an actor's id or name
	Since       time.Time
	Until       time.Time
	Limit       int    // at most this many; stores cap it at 1000
	Cursor      string // opaque, from a previous page
}

type auditKey struct{}

// WithAudit returns a context that makes the store write ev in the same
// transaction as the change made with it (where the database has none,
// right after the change). The caller sets ev.Time; the store sets ev.ID if
// it is empty. Before and After must be valid JSON or the write fails with
// EINVALID. One event goes with one store call. For
// ToggleFlag the store fills Before and After itself, with the toggled
// environment's state: {"environments":{"<env>":<state>}}.
func WithAudit(ctx context.Context, ev *AuditEvent) context.Context {
	// It replaces any events WithAuditEvents put in ctx.
	ctx = context.WithValue(ctx, auditEventsKey{}, []*AuditEvent(nil))
	return context.WithValue(ctx, auditKey{}, ev)
}

// AuditFrom returns the event WithAudit put in ctx, or nil.
func AuditFrom(ctx context.Context) *AuditEvent {
	ev, _ := ctx.Value(auditKey{}).(*AuditEvent)
	return ev
}

type auditEventsKey struct{}

// WithAuditEvents returns a context that makes the store write every one of
// evs, as WithAudit writes one, with the one store call it goes with: a
// change to several items that is audited per item (a promotion, through
// Apply). Only DatasetStore's Import and Apply take it.
func WithAuditEvents(ctx context.Context, evs []*AuditEvent) context.Context {
	return context.WithValue(context.WithValue(ctx, auditKey{}, (*AuditEvent)(nil)), auditEventsKey{}, evs)
}

// AuditEventsFrom returns the events ctx carries: WithAuditEvents' events,
// else WithAudit's one, else none.
func AuditEventsFrom(ctx context.Context) []*AuditEvent {
	if evs, _ := ctx.Value(auditEventsKey{}).([]*AuditEvent); evs != nil {
		return evs
	}
	if ev := AuditFrom(ctx); ev != nil {
		return []*AuditEvent{ev}
	}
	return nil
}
