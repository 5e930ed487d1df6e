package service

import (
	"context"
	"encoding/json"

	ff "github.com/featureflags/featureflags"
)

// ActionFlagRevert is the audit action of RevertFlag.
const ActionFlagRevert = "flag.revert"

// RevertFlag makes the flag idOrName as it was at version: its name,
// description, type, variants, tags, and state and targeting in every
// environment that still exists. It is one audited write of a new version,
// refused (EPRECONDITION) when ifMatch is set and the flag has moved on, so
// an undo never overwrites someone else's later change.
func (s *Service) RevertFlag(ctx context.Context, idOrName string, version, ifMatch int64) (*ff.Flag, error) {
	old, err := s.FlagVersion(ctx, idOrName, version)
	if err != nil {
		return nil, err
	}
	v, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	p := FlagPatch{Name: &old.Name, Description: &old.Description, Type: &old.Type, Variants: &old.Variants,
		Tags: &old.Tags, Environments: map[string]bool{}, Targeting: map[string]*ff.Targeting{}}
	for _, env := range v.EnvNames {
		p.Environments[env] = old.Environments[env]
		p.Targeting[env] = old.Targeting[env]
	}
	return s.updateFlag(ctx, idOrName, p, ifMatch, ActionFlagRevert, "")
}

// FlagVersion returns the flag idOrName as it was at version, replayed
// from its audit history in order: an event's "after" document is either
// the whole flag (it carries its version) or a part of it (a toggle's
// {"environments":{...}}) merged into the flag before it, one version
// later. ENOTFOUND when the history does not reach that version.
func (s *Service) FlagVersion(ctx context.Context, idOrName string, version int64) (*ff.Flag, error) {
	if version < 1 {
		return nil, ff.FieldErrorf("version", "version must be 1 or more")
	}
	events, err := s.fullHistory(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	var f *ff.Flag
	for i := len(events) - 1; i >= 0; i-- { // oldest first
		if f = replay(f, events[i].After); f != nil && f.Version == version {
			return f, nil
		}
	}
	return nil, ff.Errorf(ff.ENOTFOUND, "the history of flag %q does not hold version %d", idOrName, version)
}

// fullHistory returns every audit event of a flag, newest first.
func (s *Service) fullHistory(ctx context.Context, idOrName string) ([]*ff.AuditEvent, error) {
	var all []*ff.AuditEvent
	q := AuditQuery{Limit: MaxAuditLimit}
	for {
		events, next, err := s.FlagHistory(ctx, idOrName, q)
		if err != nil {
			return nil, err
		}
		all = append(all, events...)
		if next == "" {
			return all, nil
		}
		q.Cursor = next
	}
}

// replay applies one change's "after" document to f, the flag before it:
// a whole flag replaces f, a part is merged into a copy of f one version
// on. It returns nil while no whole flag has been seen, and after a delete.
func replay(f *ff.Flag, after json.RawMessage) *ff.Flag {
	var whole ff.Flag
	if len(after) == 0 || json.Unmarshal(after, &whole) != nil {
		return nil
	}
	if whole.Version > 0 {
		return &whole
	}
	if f == nil {
		return nil
	}
	next := f.Clone()
	if json.Unmarshal(after, next) != nil {
		return nil
	}
	next.Version++
	return next
}
