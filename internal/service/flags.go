package service

import (
	"context"

	ff "github.com/featureflags/featureflags"
)

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
func (s *Service) ListFlags(ctx context.Context) ([]*ff.Flag, error) {
	envs, err := s.environmentNames(ctx)
	if err != nil {
		return nil, err
	}
	flags, err := s.store.ListFlags(ctx)
	if err != nil {
		return nil, err
	}
	for _, f := range flags {
		complete(f, envs)
	}
	return flags, nil
}

// Environments returns the environment names in order.
func (s *Service) Environments(ctx context.Context) ([]string, error) {
	return s.environmentNames(ctx)
}

// Flag returns the flag whose id or name is idOrName.
func (s *Service) Flag(ctx context.Context, idOrName string) (*ff.Flag, error) {
	envs, err := s.environmentNames(ctx)
	if err != nil {
		return nil, err
	}
	f, err := s.store.FindFlag(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	complete(f, envs)
	return f, nil
}

// CreateFlag validates in and stores it as a new flag at version 1.
func (s *Service) CreateFlag(ctx context.Context, in FlagInput) (*ff.Flag, error) {
	envs, err := s.environmentNames(ctx)
	if err != nil {
		return nil, err
	}
	now := s.timestamp()
	f := &ff.Flag{
		ID: ff.NewID(), Name: in.Name, Description: in.Description, Type: in.Type,
		Variants: in.Variants, Environments: in.Environments, Targeting: in.Targeting, Tags: in.Tags,
		Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	if f.Type == "" {
		f.Type = ff.TypeBoolean
	}
	if err := s.validateFlag(ctx, f, envs); err != nil {
		return nil, err
	}
	complete(f, envs)
	if err := s.store.CreateFlag(ctx, f); err != nil {
		return nil, err
	}
	return f, nil
}

// UpdateFlag applies p to the flag idOrName. With ifMatch set (not
// AnyVersion) the flag must be at that version. Without it, an update that
// races with another writer is re-applied to the newer flag, so concurrent
// updates of different fields all survive.
func (s *Service) UpdateFlag(ctx context.Context, idOrName string, p FlagPatch, ifMatch int64) (*ff.Flag, error) {
	envs, err := s.environmentNames(ctx)
	if err != nil {
		return nil, err
	}
	for env := range p.Environments {
		if err := checkEnvironment("environments."+env, env, envs); err != nil {
			return nil, err
		}
	}
	for env := range p.Targeting {
		if err := checkEnvironment("targeting."+env, env, envs); err != nil {
			return nil, err
		}
	}
	if p.Name != nil {
		if err := ff.ValidateName("name", *p.Name); err != nil {
			return nil, err
		}
	}
	for attempt := 0; ; attempt++ {
		cur, err := s.store.FindFlag(ctx, idOrName)
		if err != nil {
			return nil, err
		}
		if ifMatch != ff.AnyVersion && cur.Version != ifMatch {
			return nil, staleError("flag", cur.Name, cur.Version, ifMatch)
		}
		next := cur.Clone()
		p.apply(next)
		next.Version, next.UpdatedAt = cur.Version+1, s.timestamp()
		if err := s.validateFlag(ctx, next, envs); err != nil {
			return nil, err
		}
		complete(next, envs)
		err = s.store.UpdateFlag(ctx, next, cur.Version)
		if ff.ErrorCode(err) == ff.EPRECONDITION && ifMatch == ff.AnyVersion && attempt < maxRetries {
			continue // another writer got in first: re-apply to its result
		}
		if err != nil {
			return nil, err
		}
		return next, nil
	}
}

func (p *FlagPatch) apply(f *ff.Flag) {
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
		if f.Environments == nil {
			f.Environments = map[string]bool{}
		}
		f.Environments[env] = on
	}
	for env, t := range p.Targeting {
		if t == nil {
			delete(f.Targeting, env)
			continue
		}
		if f.Targeting == nil {
			f.Targeting = map[string]*ff.Targeting{}
		}
		f.Targeting[env] = t
	}
}

// DeleteFlag deletes the flag idOrName, at version ifMatch if that is set.
func (s *Service) DeleteFlag(ctx context.Context, idOrName string, ifMatch int64) error {
	cur, err := s.store.FindFlag(ctx, idOrName)
	if err != nil {
		return err
	}
	if ifMatch != ff.AnyVersion && cur.Version != ifMatch {
		return staleError("flag", cur.Name, cur.Version, ifMatch)
	}
	// Deleting by id with the version just read: a concurrent change
	// between the read and the delete is reported, not overwritten... unless
	// the client did not ask for a version, in which case delete regardless.
	return s.store.DeleteFlag(ctx, cur.ID, ifMatch)
}

// ToggleFlag flips the flag's state in env atomically and returns the flag.
func (s *Service) ToggleFlag(ctx context.Context, idOrName, env string, ifMatch int64) (*ff.Flag, error) {
	envs, err := s.environmentNames(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkEnvironment("environment", env, envs); err != nil {
		return nil, err
	}
	id := idOrName
	if !looksLikeID(idOrName) {
		cur, err := s.store.FindFlag(ctx, idOrName)
		if err != nil {
			return nil, err
		}
		id = cur.ID
	}
	f, err := s.store.ToggleFlag(ctx, id, env, ifMatch, s.timestamp())
	if ff.ErrorCode(err) == ff.ENOTFOUND && id == idOrName {
		// A 24-hex-digit string may also be a flag's name.
		cur, ferr := s.store.FindFlag(ctx, idOrName)
		if ferr != nil {
			return nil, ferr
		}
		f, err = s.store.ToggleFlag(ctx, cur.ID, env, ifMatch, s.timestamp())
	}
	if err != nil {
		return nil, err
	}
	complete(f, envs)
	return f, nil
}

// looksLikeID reports whether s has the shape of ids made by ff.NewID.
func looksLikeID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func staleError(kind, name string, have, want int64) error {
	return ff.Errorf(ff.EPRECONDITION, "%s %q is at version %d, not %d as If-Match says; fetch it again and retry", kind, name, have, want)
}

// validateFlag checks everything about f that does not need the store's
// other flags: name, type, environments, variants and targeting.
func (s *Service) validateFlag(ctx context.Context, f *ff.Flag, envs []string) error {
	if err := ff.ValidateName("name", f.Name); err != nil {
		return err
	}
	switch f.Type {
	case ff.TypeBoolean, ff.TypeString, ff.TypeNumber, ff.TypeObject:
	default:
		return ff.FieldErrorf("type", "type %q is invalid: use boolean, string, number or object", f.Type)
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
	return nil
}

// FlagCount returns the number of flags.
func (s *Service) FlagCount(ctx context.Context) (int, error) {
	flags, err := s.store.ListFlags(ctx)
	return len(flags), err
}
