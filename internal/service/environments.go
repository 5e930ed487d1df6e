package service

import (
	"context"

	ff "github.com/featureflags/featureflags"
)

// ListEnvironments returns every environment in creation order.
func (s *Service) ListEnvironments(ctx context.Context) ([]*ff.Environment, error) {
	return s.store.ListEnvironments(ctx)
}

// CreateEnvironment adds an environment; every flag is off in it.
func (s *Service) CreateEnvironment(ctx context.Context, name string) (*ff.Environment, error) {
	if err := ff.ValidateName("name", name); err != nil {
		return nil, err
	}
	e := &ff.Environment{Name: name, CreatedAt: s.timestamp()}
	if err := s.store.CreateEnvironment(ctx, e); err != nil {
		if ff.ErrorCode(err) == ff.ECONFLICT {
			return nil, &ff.Error{Code: ff.ECONFLICT, Message: "environment " + name + " already exists", Field: "name"}
		}
		return nil, err
	}
	return e, nil
}

// DeleteEnvironment removes an environment from the service and every flag.
func (s *Service) DeleteEnvironment(ctx context.Context, name string) error {
	return s.store.DeleteEnvironment(ctx, name)
}
