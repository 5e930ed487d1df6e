package service

import (
	"context"
	"time"

	ff "github.com/featureflags/featureflags"
)

// Lifecycle is what a client says of a new flag's life: who owns it, its
// kind and when it is due for removal.
type Lifecycle struct {
	Owner     string
	Kind      ff.FlagKind
	ExpiresAt *time.Time
}

// LifecyclePatch changes a flag's lifecycle fields: nil fields are left as
// they are; ClearExpiry removes the expiry.
type LifecyclePatch struct {
	Owner       *string
	Kind        *ff.FlagKind
	ExpiresAt   *time.Time
	ClearExpiry bool
	// Archived archives (true) or restores (false) the flag.
	Archived *bool
	now      time.Time // when archiving
}

func (p *LifecyclePatch) apply(f *ff.Flag) {
	if p.Owner != nil {
		f.Owner = *p.Owner
	}
	if p.Kind != nil {
		f.Kind = *p.Kind
	}
	if p.ExpiresAt != nil {
		t := p.ExpiresAt.UTC().Truncate(time.Millisecond)
		f.ExpiresAt = &t
	}
	if p.ClearExpiry {
		f.ExpiresAt = nil
	}
	switch {
	case p.Archived == nil:
	case *p.Archived && f.ArchivedAt == nil:
		t := p.now
		f.ArchivedAt = &t
	case !*p.Archived:
		f.ArchivedAt = nil
	}
}

func validateLifecycle(f *ff.Flag) error {
	if err := ff.CheckKind(f.Kind); err != nil {
		return err
	}
	return validateText("owner", f.Owner, ff.MaxOwnerLength)
}

// ArchiveFlag archives the flag idOrName: it evaluates as not found from
// now on, leaves the list, and keeps its history, counts and name until it
// is deleted. Archiving an archived flag keeps its first archive time.
func (s *Service) ArchiveFlag(ctx context.Context, idOrName string, ifMatch int64) (*ff.Flag, error) {
	yes := true
	return s.updateFlag(ctx, idOrName, FlagPatch{LifecyclePatch: LifecyclePatch{Archived: &yes, now: s.timestamp()}},
		ifMatch, ActionFlagArchive, "")
}

// RestoreFlag brings an archived flag back as it was.
func (s *Service) RestoreFlag(ctx context.Context, idOrName string, ifMatch int64) (*ff.Flag, error) {
	no := false
	return s.updateFlag(ctx, idOrName, FlagPatch{LifecyclePatch: LifecyclePatch{Archived: &no}}, ifMatch, ActionFlagRestore, "")
}
