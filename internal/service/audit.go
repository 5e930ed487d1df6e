package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/auth"
)

// The audit actions.
const (
	ActionFlagCreate        = "flag.create"
	ActionFlagUpdate        = "flag.update"
	ActionFlagDelete        = "flag.delete"
	ActionFlagToggle        = "flag.toggle"
	ActionFlagTargeting     = "flag.targeting"
	ActionFlagArchive       = "flag.archive"
	ActionFlagRestore       = "flag.restore"
	ActionEnvironmentCreate = "environment.create"
	ActionEnvironmentDelete = "environment.delete"
	ActionSegmentCreate     = "segment.create"
	ActionSegmentUpdate     = "segment.update"
	ActionSegmentDelete     = "segment.delete"
	ActionTokenCreate       = "token.create"
	ActionTokenRevoke       = "token.revoke"
	ActionImport            = "import"
	ActionApply             = "apply"
)

// MaxAuditLimit is the largest page of audit events.
const MaxAuditLimit = 1000

// audited returns ctx carrying a new audit event for a change to one item,
// stamped with the actor and request id of ctx. before and after are the
// item's documents (nil when it did not or does not exist); the store
// writes the event in the change's transaction.
func (s *Service) audited(ctx context.Context, action, targetType, id, name, env string, before, after any) context.Context {
	return ff.WithAudit(ctx, s.auditEvent(ctx, action, targetType, id, name, env, before, after))
}

// auditEvent returns the event audited puts in ctx.
func (s *Service) auditEvent(ctx context.Context, action, targetType, id, name, env string, before, after any) *ff.AuditEvent {
	return &ff.AuditEvent{
		Time:        s.timestamp(),
		Actor:       auth.ActorFrom(ctx),
		Action:      action,
		TargetType:  targetType,
		TargetID:    id,
		TargetName:  name,
		Environment: env,
		Before:      document(before),
		After:       document(after),
		RequestID:   auth.RequestIDFrom(ctx),
	}
}

// document is v as JSON, or nil for nothing.
func document(v any) json.RawMessage {
	switch x := v.(type) {
	case nil:
		return nil
	case *ff.Flag:
		if x == nil {
			return nil
		}
	case *ff.Segment:
		if x == nil {
			return nil
		}
	case *ff.Environment:
		if x == nil {
			return nil
		}
	case *ff.Token:
		if x == nil {
			return nil
		}
	case *ff.ChangeRequest:
		if x == nil {
			return nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil // plain data: cannot happen
	}
	return b
}

// AuditQuery selects audit events; see ff.AuditFilter. Flag is a flag's id
// or name: a name is resolved through the view, and anything that names no
// current flag is taken as the id of a deleted one.
type AuditQuery struct {
	Flag        string
	Environment string
	Actor       string
	Since       time.Time
	Until       time.Time
	Limit       int
	Cursor      string
}

// ListAudit returns the events q selects, newest first, and the cursor of
// the next page ("" after the last). Limit must be 0 (for the default of
// 50) up to MaxAuditLimit.
func (s *Service) ListAudit(ctx context.Context, q AuditQuery) ([]*ff.AuditEvent, string, error) {
	if q.Limit < 0 || q.Limit > MaxAuditLimit {
		return nil, "", ff.FieldErrorf("limit", "limit must be between 1 and %d", MaxAuditLimit)
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Until.Before(q.Since) {
		return nil, "", ff.FieldErrorf("until", "until is before since")
	}
	f := ff.AuditFilter{Environment: q.Environment, Actor: q.Actor, Since: q.Since, Until: q.Until, Limit: q.Limit, Cursor: q.Cursor}
	if q.Flag != "" {
		f.TargetID = q.Flag
		v, err := s.Current(ctx)
		if err != nil {
			return nil, "", err
		}
		if fl := v.Flag(q.Flag); fl != nil {
			f.TargetID = fl.ID
		}
	}
	events, next, err := s.Store().ListAudit(ctx, f)
	if err != nil {
		return nil, "", err
	}
	if events == nil {
		events = []*ff.AuditEvent{}
	}
	return events, next, nil
}

// FlagHistory returns the audit events of one flag, as ListAudit does with
// q.Flag set to idOrName. A flag that neither exists nor has any event is
// ENOTFOUND; a deleted flag's history is found by its id.
func (s *Service) FlagHistory(ctx context.Context, idOrName string, q AuditQuery) ([]*ff.AuditEvent, string, error) {
	q.Flag = idOrName
	events, next, err := s.ListAudit(ctx, q)
	if err != nil {
		return nil, "", err
	}
	if len(events) == 0 && q.Cursor == "" {
		if _, err := s.Flag(ctx, idOrName); err != nil {
			return nil, "", err
		}
	}
	return events, next, nil
}

// errUnchanged ends a write that would change nothing: it writes nothing,
// and the view, which nothing outdated, is not read again.
var errUnchanged = errors.New("unchanged")

// unchanged reports whether next, an update of cur (a flag or segment),
// holds what cur holds apart from the version and update time a write
// moves: such an update changes nothing, so it writes nothing, neither a
// version nor an audit event.
func unchanged(cur, next any) bool {
	return bytes.Equal(content(cur), content(next))
}

// content is v's document without its version and update time.
func content(v any) []byte {
	var m map[string]any
	if err := json.Unmarshal(document(v), &m); err != nil {
		return nil // plain data: cannot happen
	}
	delete(m, "version")
	delete(m, "updatedAt")
	delete(m, "updatedBy")
	b, _ := json.Marshal(m)
	return b
}
