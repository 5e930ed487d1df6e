package service

import (
	"context"
	"slices"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/view"
)

// ActionFlagPromote is the audit action of a promotion, one event per flag.
const ActionFlagPromote = "flag.promote"

// Promotion copies the state and targeting of flags from one environment
// to another. Flags are names or ids.
type Promotion struct {
	From, To string
	Flags    []string
	// Version, when set, is the version the one flag promoted must be at
	// (If-Match of POST /flags/{id}/promote).
	Version int64
	// Revision, when set, is the store revision the promotion was planned
	// at (If-Match of POST /promote: a comparison's revision).
	Revision int64
}

// Promote makes p in one store transaction (the store's Apply), audited
// as one event per flag it changes, and returns every flag named, as it is
// after. Segments are shared by all environments and variants by a flag's
// environments, so the targeting copied refers to nothing the target
// lacks, except prerequisites: a flag required in the target must exist,
// not be archived and close no cycle there (the store checks, 400).
func (s *Service) Promote(ctx context.Context, p Promotion) ([]*ff.Flag, error) {
	if len(p.Flags) == 0 {
		return nil, ff.FieldErrorf("flags", `name the flags to promote, e.g. {"flags": ["new-checkout"]}`)
	}
	var out []*ff.Flag
	err := s.Write(ctx, func(v *view.View) error {
		if err := checkPair(p.From, p.To, v.EnvNames); err != nil {
			return err
		}
		for i := 0; ; i++ {
			var err error
			out, err = s.promoteOnce(ctx, v, p)
			// Another write between reading and applying moves the
			// revision: read again, unless the caller pinned it.
			if ff.ErrorCode(err) != ff.EPRECONDITION || p.Revision != 0 || err == errPinned || i >= maxRetries {
				if err == errPinned {
					err = ff.Errorf(ff.EPRECONDITION, "flag %q is no longer at version %d, as If-Match says; fetch it again and retry", p.Flags[0], p.Version)
				}
				return err
			}
		}
	}, nil)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// errPinned is promoteOnce's answer to a flag not at p.Version.
var errPinned = ff.Errorf(ff.EPRECONDITION, "version pinned")

// promoteOnce reads the flags at one revision and applies the promotion
// at that revision.
func (s *Service) promoteOnce(ctx context.Context, v *view.View, p Promotion) ([]*ff.Flag, error) {
	rev, err := s.Store().Revision(ctx)
	if err != nil {
		return nil, err
	}
	if p.Revision != 0 && p.Revision != rev {
		return nil, ff.Errorf(ff.EPRECONDITION, "the store changed since revision %d (it is at revision %d); compare again", p.Revision, rev)
	}
	var out, before, changed []*ff.Flag
	var events []*ff.AuditEvent
	for _, name := range p.Flags {
		cur, err := s.Store().FindFlag(ctx, name)
		if err != nil {
			return nil, err
		}
		if p.Version != 0 && cur.Version != p.Version {
			return nil, errPinned
		}
		if slices.ContainsFunc(out, func(f *ff.Flag) bool { return f.ID == cur.ID }) {
			continue
		}
		next, err := s.promoted(v, cur, p.From, p.To)
		if err != nil {
			return nil, err
		}
		out = append(out, next)
		if next != cur {
			before, changed = append(before, cur), append(changed, next)
			events = append(events, s.auditEvent(ctx, ActionFlagPromote, "flag", cur.ID, cur.Name, p.To, cur, next))
		}
	}
	if len(changed) == 0 {
		return out, nil
	}
	if need := approvalsNeeded(ctx, v, p.To); need > 0 {
		return nil, s.holdPromotion(ctx, v, before, changed, need, p.To)
	}
	change := &ff.Change{Dataset: &ff.Dataset{Flags: changed}, Revision: rev}
	return out, s.Store().Apply(ff.WithAuditEvents(ctx, events), change)
}

// promoted returns cur with from's state and targeting copied to to, at a
// new version, or cur itself when that changes nothing.
func (s *Service) promoted(v *view.View, cur *ff.Flag, from, to string) (*ff.Flag, error) {
	if cur.ArchivedAt != nil {
		return nil, ff.Errorf(ff.EINVALID, "flag %q is archived; restore it before promoting it", cur.Name)
	}
	next := cur.Clone()
	view.Complete(next, v.EnvNames)
	view.Complete(cur, v.EnvNames)
	next.Environments[to] = next.Environments[from]
	if t := next.Targeting[from]; t != nil {
		next.Targeting[to] = t.Clone()
	} else {
		delete(next.Targeting, to)
	}
	if unchanged(cur, next) {
		return cur, nil
	}
	next.Version, next.UpdatedAt = cur.Version+1, s.timestamp()
	if err := s.validateFlag(next, v.EnvNames, v.SegmentMap()); err != nil {
		return nil, err
	}
	return next, checkPrerequisiteVariants(next, v.Flag)
}

// holdPromotion holds a promotion into env, which requires need approvals
// from the caller, as every other write to env is held: one change
// request per flag it changes, answered by the *Proposed it returns.
func (s *Service) holdPromotion(ctx context.Context, v *view.View, before, after []*ff.Flag, need int, env string) error {
	held := &Proposed{}
	for i, next := range after {
		r := s.newRequest(ctx, ActionFlagPromote, before[i], next, need, []string{env}, "")
		if err := s.Store().CreateChangeRequest(s.requestAudited(ctx, ActionRequestCreate, r, nil, r), r); err != nil {
			return err
		}
		held.All = append(held.All, s.describe(v, r))
	}
	held.Request = held.All[0]
	return held
}
