package service

import (
	"context"
	"time"

	ff "github.com/featureflags/featureflags"
)

// AuditRetention says which audit events to keep: none older than MaxAge
// and at most the newest MaxEvents. A zero field keeps everything; both
// zero (the default) prunes nothing.
type AuditRetention struct {
	MaxAge    time.Duration
	MaxEvents int
}

// Off reports whether r prunes nothing.
func (r AuditRetention) Off() bool { return r.MaxAge <= 0 && r.MaxEvents <= 0 }

// WithAuditRetention sets the retention PruneAudit enforces.
func WithAuditRetention(r AuditRetention) Option { return func(s *Service) { s.retention = r } }

// PruneAudit deletes the audit events the retention no longer keeps, as of
// the service's clock, and returns how many it deleted. With retention off
// it does nothing.
func (s *Service) PruneAudit(ctx context.Context) (int64, error) {
	if s.retention.Off() {
		return 0, nil
	}
	p, ok := s.Store().(ff.AuditPruner)
	if !ok {
		return 0, ff.Errorf(ff.EUNAVAILABLE, "the store cannot prune the audit log now")
	}
	var before time.Time
	if s.retention.MaxAge > 0 {
		before = s.timestamp().Add(-s.retention.MaxAge)
	}
	return p.PruneAudit(ctx, before, max(s.retention.MaxEvents, 0))
}
