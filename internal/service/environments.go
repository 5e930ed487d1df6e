package service

import (
	"context"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/view"
)

// ListEnvironments returns every environment in creation order.
func (s *Service) ListEnvironments(ctx context.Context) ([]*ff.Environment, error) {
	v, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	return v.Environments, nil
}

// Environments returns the environment names in creation order.
func (s *Service) Environments(ctx context.Context) ([]string, error) {
	v, err := s.Current(ctx)
	if err != nil {
		return nil, err
	}
	return v.EnvNames, nil
}

// CreateEnvironment adds an environment; every flag is off in it.
func (s *Service) CreateEnvironment(ctx context.Context, name string) (*ff.Environment, error) {
	if err := ff.ValidateName("name", name); err != nil {
		return nil, err
	}
	e := &ff.Environment{Name: name, CreatedAt: s.timestamp()}
	err := s.Write(ctx, func(*view.View) error {
		err := s.Store().CreateEnvironment(s.audited(ctx, ActionEnvironmentCreate, "environment", name, name, name, nil, e), e)
		if ff.ErrorCode(err) == ff.ECONFLICT {
			return &ff.Error{Code: ff.ECONFLICT, Message: "environment " + name + " already exists", Field: "name"}
		}
		return err
	}, nil)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// DeleteEnvironment removes an environment from the service and every flag.
func (s *Service) DeleteEnvironment(ctx context.Context, name string) error {
	return s.Write(ctx, func(v *view.View) error {
		var before *ff.Environment
		for _, e := range v.Environments {
			if e.Name == name {
				before = e
			}
		}
		if before == nil {
			before = &ff.Environment{Name: name}
		}
		return s.Store().DeleteEnvironment(s.audited(ctx, ActionEnvironmentDelete, "environment", name, name, name, before, nil), name)
	}, nil)
}
