package service

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
	"github.com/featureflags/featureflags/internal/auth"
	"github.com/featureflags/featureflags/internal/view"
)

// MaxDescriptionLength bounds a description, in bytes.
const MaxDescriptionLength = 4096

// FlagInput is a new flag as a client describes it.
type FlagInput struct {
	Name         string
	Description  string
	Type         ff.FlagType
	Variants     map[string]any
	Environments map[string]bool
	Targeting    map[string]*ff.Targeting
	Tags         []string
	Lifecycle    Lifecycle // owner, kind, expiry (lifecycle.go)
}

// FlagPatch is a partial update: nil fields are left as they are, and
// Environments and Targeting change only the environments they name.
type FlagPatch struct {
	Name         *string
	Description  *string
	Type         *ff.FlagType
	Variants     *map[string]any
	Environments map[string]bool
	// Targeting replaces the targeting of each environment it names; a nil
	// value removes that environment's targeting.
	Targeting map[string]*ff.Targeting
	Tags      *[]string
	LifecyclePatch
}

// ListFlags returns every flag, ordered by name, with every environment.
// The flags are shared: callers must not change them.
func (s *Service) ListFlags(ctx context.Context) ([]*ff.Flag, error) {
	v, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	return v.Flags(), nil
}

// Flag returns the flag whose id or name is idOrName. It is shared: callers
// must not change it.
func (s *Service) Flag(ctx context.Context, idOrName string) (*ff.Flag, error) {
	v, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	if f := v.Flag(idOrName); f != nil {
		return f, nil
	}
	return nil, ff.Errorf(ff.ENOTFOUND, "flag %q not found", idOrName)
}

// CreateFlag validates in and stores it as a new flag at version 1.
func (s *Service) CreateFlag(ctx context.Context, in FlagInput) (*ff.Flag, error) {
	now := s.timestamp()
	f := &ff.Flag{
		ID: ff.NewID(), Name: in.Name, Description: in.Description, Type: in.Type,
		Variants: in.Variants, Environments: in.Environments, Targeting: in.Targeting, Tags: in.Tags,
		Version: 1, CreatedAt: now, UpdatedAt: now, UpdatedBy: actorOf(ctx),
		Owner: in.Lifecycle.Owner, Kind: in.Lifecycle.Kind,
	}
	(&LifecyclePatch{ExpiresAt: in.Lifecycle.ExpiresAt}).apply(f)
	if f.Type == "" {
		f.Type = ff.TypeBoolean
	}
	// Creates share commits (view.WriteGrouped): under load, the sync to
	// disk, most of what a create costs, is paid once for many.
	err := s.WriteGrouped(ctx, func(ctx context.Context, v *view.View) error {
		if err := s.limits.checkFlagCount(v.FlagCount(), 1); err != nil {
			return err
		}
		if err := s.validateFlag(f, v.EnvNames, v.SegmentMap()); err != nil {
			return err
		}
		if err := checkPrerequisiteVariants(f, v.Flag); err != nil {
			return err
		}
		view.Complete(f, v.EnvNames)
		return s.Store().CreateFlag(s.audited(ctx, ActionFlagCreate, "flag", f.ID, f.Name, "", nil, f), f)
	}, func(v *view.View, rev int64) *view.View { return v.WithFlag("", f, rev) })
	if err != nil {
		return nil, err
	}
	return f, nil
}

// UpdateFlag applies p to the flag idOrName. With ifMatch set (not
// AnyVersion) the flag must be at that version. Without it, an update that
// races with another writer is re-applied to the newer flag, so concurrent
// updates of different fields all survive.
func (s *Service) UpdateFlag(ctx context.Context, idOrName string, p FlagPatch, ifMatch int64) (*ff.Flag, error) {
	return s.updateFlag(ctx, idOrName, p, ifMatch, ActionFlagUpdate, "")
}

// SetTargeting replaces (or, with t nil, removes) the targeting of one
// environment of the flag idOrName, as UpdateFlag does; the audit trail
// records it as a targeting change in that environment.
func (s *Service) SetTargeting(ctx context.Context, idOrName, env string, t *ff.Targeting, ifMatch int64) (*ff.Flag, error) {
	return s.updateFlag(ctx, idOrName, FlagPatch{Targeting: map[string]*ff.Targeting{env: t}}, ifMatch, ActionFlagTargeting, env)
}

func (s *Service) updateFlag(ctx context.Context, idOrName string, p FlagPatch, ifMatch int64, action, env string) (*ff.Flag, error) {
	var next *ff.Flag
	err := s.Write(ctx, func(v *view.View) error {
		return retrying(ifMatch, func() error {
			cur, err := s.Store().FindFlag(ctx, idOrName)
			if err != nil {
				return err
			}
			if ifMatch != ff.AnyVersion && cur.Version != ifMatch {
				return staleError("flag", cur.Name, cur.Version, ifMatch)
			}
			next = cur.Clone()
			if err := p.apply(next, v.EnvNames); err != nil {
				return err
			}
			view.Complete(next, v.EnvNames)
			view.Complete(cur, v.EnvNames)
			if unchanged(cur, next) {
				next = cur
				return errUnchanged
			}
			next.Version, next.UpdatedAt, next.UpdatedBy = cur.Version+1, s.timestamp(), actorOf(ctx)
			if err := s.validateFlag(next, v.EnvNames, v.SegmentMap()); err != nil {
				return err
			}
			if err := checkPrerequisiteVariants(next, v.Flag); err != nil {
				return err
			}
			if err := s.gate(ctx, v, action, cur, next); err != nil {
				return err
			}
			return s.Store().UpdateFlag(s.audited(ctx, action, "flag", next.ID, next.Name, env, cur, next), next, cur.Version)
		})
	}, func(v *view.View, rev int64) *view.View { return v.WithFlag(next.ID, next, rev) })
	if err != nil && err != errUnchanged {
		return nil, err
	}
	return next, nil
}

// actorOf is who ctx acts for, as a flag's updatedBy.
func actorOf(ctx context.Context) *ff.Actor {
	a := auth.ActorFrom(ctx)
	return &a
}

// apply changes f as p says, refusing environments that do not exist.
func (p *FlagPatch) apply(f *ff.Flag, envs []string) error {
	if p.Name != nil {
		f.Name = *p.Name
	}
	if p.Description != nil {
		f.Description = *p.Description
	}
	if p.Type != nil {
		f.Type = *p.Type
	}
	if p.Variants != nil {
		f.Variants = *p.Variants
	}
	if p.Tags != nil {
		f.Tags = *p.Tags
	}
	p.LifecyclePatch.apply(f)
	for env, on := range p.Environments {
		if err := checkEnvironment("environments."+env, env, envs); err != nil {
			return err
		}
		if f.Environments == nil {
			f.Environments = map[string]bool{}
		}
		f.Environments[env] = on
	}
	for env, t := range p.Targeting {
		if err := checkEnvironment("targeting."+env, env, envs); err != nil {
			return err
		}
		if t == nil {
			delete(f.Targeting, env)
			continue
		}
		if f.Targeting == nil {
			f.Targeting = map[string]*ff.Targeting{}
		}
		f.Targeting[env] = t
	}
	return nil
}

// DeleteFlag deletes the flag idOrName, at version ifMatch if that is set.
func (s *Service) DeleteFlag(ctx context.Context, idOrName string, ifMatch int64) error {
	var id string
	return s.Write(ctx, func(v *view.View) error {
		return retrying(ifMatch, func() error {
			cur, err := s.Store().FindFlag(ctx, idOrName)
			if err != nil {
				return err
			}
			if ifMatch != ff.AnyVersion && cur.Version != ifMatch {
				return staleError("flag", cur.Name, cur.Version, ifMatch)
			}
			id = cur.ID
			view.Complete(cur, v.EnvNames)
			if err := s.gate(ctx, v, ActionFlagDelete, cur, nil); err != nil {
				return err
			}
			// At the version just read, not at any, so that the audit
			// trail's before is what was deleted; a change that slips in
			// between makes it read again.
			return s.Store().DeleteFlag(s.audited(ctx, ActionFlagDelete, "flag", cur.ID, cur.Name, "", cur, nil), id, cur.Version)
		})
	}, func(v *view.View, rev int64) *view.View { return v.WithFlag(id, nil, rev) })
}

// ToggleFlag flips the flag's state in env atomically and returns the flag.
func (s *Service) ToggleFlag(ctx context.Context, idOrName, env string, ifMatch int64) (*ff.Flag, error) {
	var f *ff.Flag
	err := s.Write(ctx, func(v *view.View) error {
		if err := checkEnvironment("environment", env, v.EnvNames); err != nil {
			return err
		}
		if approvalsNeeded(ctx, v, env) > 0 {
			return s.gateToggle(ctx, v, idOrName, env, ifMatch)
		}
		// Ids never change, so a flag the view knows by this id needs no
		// lookup in the store (one round trip less); should another
		// process have deleted it, idOrName is looked up as usual.
		if known := v.Flag(idOrName); known != nil && known.ID == idOrName {
			var err error
			f, err = s.Store().ToggleFlag(s.audited(ctx, ActionFlagToggle, "flag", known.ID, known.Name, env, nil, nil), known.ID, env, ifMatch, s.timestamp())
			if err == nil {
				view.Complete(f, v.EnvNames)
			}
			if ff.ErrorCode(err) != ff.ENOTFOUND {
				return err
			}
		}
		cur, err := s.Store().FindFlag(ctx, idOrName)
		if err != nil {
			return err
		}
		if f, err = s.Store().ToggleFlag(s.audited(ctx, ActionFlagToggle, "flag", cur.ID, cur.Name, env, nil, nil), cur.ID, env, ifMatch, s.timestamp()); err != nil {
			return err
		}
		view.Complete(f, v.EnvNames)
		return nil
	}, func(v *view.View, rev int64) *view.View { return v.WithFlag(f.ID, f, rev) })
	if err != nil {
		return nil, err
	}
	return f, nil
}

func staleError(kind, name string, have, want int64) error {
	return ff.Errorf(ff.EPRECONDITION, "%s %q is at version %d, not %d as If-Match says; fetch it again and retry", kind, name, have, want)
}

// validateFlag checks f against the naming rules, the environments envs,
// the service's limits and, through the evaluation compiler, its variants,
// targeting and the segments (keyed by name) it refers to.
func (s *Service) validateFlag(f *ff.Flag, envs []string, segments map[string]*ff.Segment) error {
	return validateFlag(f, envs, segments, s.limits)
}

func validateFlag(f *ff.Flag, envs []string, segments map[string]*ff.Segment, limits Limits) error {
	if err := ff.ValidateItemName("name", f.Name); err != nil {
		return err
	}
	if err := validateText("description", f.Description, MaxDescriptionLength); err != nil {
		return err
	}
	if len(f.Tags) > limits.TagsPerFlag {
		return overLimit(LimitTagsPerFlag, "tags", len(f.Tags), limits.TagsPerFlag, "tags")
	}
	if err := validateLifecycle(f); err != nil {
		return err
	}
	for i, tag := range f.Tags {
		if err := ff.ValidateName(fmt.Sprintf("tags[%d]", i), tag); err != nil {
			return err
		}
	}
	for env := range f.Environments {
		if err := checkEnvironment("environments."+env, env, envs); err != nil {
			return err
		}
	}
	for env := range f.Targeting {
		if err := checkEnvironment("targeting."+env, env, envs); err != nil {
			return err
		}
	}
	if err := limits.checkFlag(f); err != nil {
		return err
	}
	return eval.Validate(f, segments)
}

// validateText refuses text every store cannot keep: invalid UTF-8, NUL
// characters, or more than max bytes.
func validateText(field, s string, max int) error {
	if len(s) > max {
		return ff.FieldErrorf(field, "%s must be at most %d bytes long", field, max)
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return ff.FieldErrorf(field, "%s must be UTF-8 text without NUL characters", field)
	}
	return nil
}
