package service

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/eval"
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
}

// ListFlags returns every flag, ordered by name, with every environment.
// The flags are shared: callers must not change them.
func (s *Service) ListFlags(ctx context.Context) ([]*ff.Flag, error) {
	v, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	return v.flags, nil
}

// FlagCount returns the number of flags in the latest view, without
// touching the store.
func (s *Service) FlagCount() int {
	if v := s.view.Load(); v != nil {
		return len(v.flags)
	}
	return 0
}

// Flag returns the flag whose id or name is idOrName. It is shared: callers
// must not change it.
func (s *Service) Flag(ctx context.Context, idOrName string) (*ff.Flag, error) {
	v, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	if f := v.flag(idOrName); f != nil {
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
		Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	if f.Type == "" {
		f.Type = ff.TypeBoolean
	}
	err := s.write(ctx, func(v *view) error {
		if err := s.limits.checkFlagCount(len(v.flags), 1); err != nil {
			return err
		}
		if err := s.validateFlag(f, v.envNames, v.segmentMap()); err != nil {
			return err
		}
		complete(f, v.envNames)
		return s.store.CreateFlag(s.audited(ctx, ActionFlagCreate, "flag", f.ID, f.Name, "", nil, f), f)
	}, func(v *view, rev int64) *view { return v.withFlag("", f, rev) })
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
	err := s.write(ctx, func(v *view) error {
		for attempt := 0; ; attempt++ {
			cur, err := s.store.FindFlag(ctx, idOrName)
			if err != nil {
				return err
			}
			if ifMatch != ff.AnyVersion && cur.Version != ifMatch {
				return staleError("flag", cur.Name, cur.Version, ifMatch)
			}
			next = cur.Clone()
			if err := p.apply(next, v.envNames); err != nil {
				return err
			}
			next.Version, next.UpdatedAt = cur.Version+1, s.timestamp()
			if err := s.validateFlag(next, v.envNames, v.segmentMap()); err != nil {
				return err
			}
			complete(next, v.envNames)
			complete(cur, v.envNames)
			err = s.store.UpdateFlag(s.audited(ctx, action, "flag", next.ID, next.Name, env, cur, next), next, cur.Version)
			if ff.ErrorCode(err) == ff.EPRECONDITION && ifMatch == ff.AnyVersion && attempt < maxRetries {
				continue // another process's writer got in first: re-apply to its result
			}
			return err
		}
	}, func(v *view, rev int64) *view { return v.withFlag(next.ID, next, rev) })
	if err != nil {
		return nil, err
	}
	return next, nil
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
	return s.write(ctx, func(v *view) error {
		for attempt := 0; ; attempt++ {
			cur, err := s.store.FindFlag(ctx, idOrName)
			if err != nil {
				return err
			}
			if ifMatch != ff.AnyVersion && cur.Version != ifMatch {
				return staleError("flag", cur.Name, cur.Version, ifMatch)
			}
			id = cur.ID
			complete(cur, v.envNames)
			// At the version just read, not at any, so that the audit
			// trail's before is what was deleted; a change that slips in
			// between makes it read again.
			err = s.store.DeleteFlag(s.audited(ctx, ActionFlagDelete, "flag", cur.ID, cur.Name, "", cur, nil), id, cur.Version)
			if ff.ErrorCode(err) == ff.EPRECONDITION && ifMatch == ff.AnyVersion && attempt < maxRetries {
				continue
			}
			return err
		}
	}, func(v *view, rev int64) *view { return v.withFlag(id, nil, rev) })
}

// ToggleFlag flips the flag's state in env atomically and returns the flag.
func (s *Service) ToggleFlag(ctx context.Context, idOrName, env string, ifMatch int64) (*ff.Flag, error) {
	var f *ff.Flag
	err := s.write(ctx, func(v *view) error {
		if err := checkEnvironment("environment", env, v.envNames); err != nil {
			return err
		}
		// Ids never change, so a flag the view knows by this id needs no
		// lookup in the store (one round trip less); should another
		// process have deleted it, idOrName is looked up as usual.
		if known := v.flag(idOrName); known != nil && known.ID == idOrName {
			var err error
			f, err = s.store.ToggleFlag(s.audited(ctx, ActionFlagToggle, "flag", known.ID, known.Name, env, nil, nil), known.ID, env, ifMatch, s.timestamp())
			if err == nil {
				complete(f, v.envNames)
			}
			if ff.ErrorCode(err) != ff.ENOTFOUND {
				return err
			}
		}
		cur, err := s.store.FindFlag(ctx, idOrName)
		if err != nil {
			return err
		}
		if f, err = s.store.ToggleFlag(s.audited(ctx, ActionFlagToggle, "flag", cur.ID, cur.Name, env, nil, nil), cur.ID, env, ifMatch, s.timestamp()); err != nil {
			return err
		}
		complete(f, v.envNames)
		return nil
	}, func(v *view, rev int64) *view { return v.withFlag(f.ID, f, rev) })
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
	if err := ff.ValidateName("name", f.Name); err != nil {
		return err
	}
	if err := validateText("description", f.Description, MaxDescriptionLength); err != nil {
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
