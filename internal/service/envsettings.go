package service

import (
	"context"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/view"
)

// ActionEnvironmentUpdate is the audit action of UpdateEnvironment.
const ActionEnvironmentUpdate = "environment.update"

// EnvironmentPatch changes an environment's settings; nil fields are left
// as they are.
type EnvironmentPatch struct {
	Protected            *bool
	RequireApproval      *int
	ApprovalAdminsBypass *bool
}

// UpdateEnvironment applies p to the environment name.
func (s *Service) UpdateEnvironment(ctx context.Context, name string, p EnvironmentPatch) (*ff.Environment, error) {
	if n := p.RequireApproval; n != nil && (*n < 0 || *n > ff.MaxRequireApproval) {
		return nil, ff.FieldErrorf("requireApproval", "requireApproval must be 0 (off) to %d approvals", ff.MaxRequireApproval)
	}
	var next *ff.Environment
	err := s.Write(ctx, func(v *view.View) error {
		var cur *ff.Environment
		for _, e := range v.Environments {
			if e.Name == name {
				cur = e
			}
		}
		if cur == nil {
			return ff.Errorf(ff.ENOTFOUND, "environment %q not found", name)
		}
		c := *cur
		next = &c
		p.apply(next)
		if *next == *cur {
			return errUnchanged
		}
		return s.Store().UpdateEnvironment(s.audited(ctx, ActionEnvironmentUpdate, "environment", name, name, name, cur, next), next)
	}, nil)
	if err != nil && err != errUnchanged {
		return nil, err
	}
	return next, nil
}

func (p EnvironmentPatch) apply(e *ff.Environment) {
	if p.Protected != nil {
		e.Protected = *p.Protected
	}
	if p.RequireApproval != nil {
		e.RequireApproval = *p.RequireApproval
	}
	if p.ApprovalAdminsBypass != nil {
		e.ApprovalAdminsBypass = *p.ApprovalAdminsBypass
	}
}
