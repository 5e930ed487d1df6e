package view

import (
	"context"
	"time"

	ff "github.com/featureflags/featureflags"
)

// Unavailable is the store of a keeper that has none (yet): every operation
// answers EUNAVAILABLE, so that nothing needs a nil check.
type Unavailable struct{}

var _ ff.Store = Unavailable{}

// ErrUnavailable is what Unavailable answers.
func ErrUnavailable() error {
	return ff.Errorf(ff.EUNAVAILABLE, "the database is unreachable; evaluation continues from the last snapshot")
}

func (Unavailable) ListFlags(context.Context) ([]*ff.Flag, error)      { return nil, ErrUnavailable() }
func (Unavailable) FindFlag(context.Context, string) (*ff.Flag, error) { return nil, ErrUnavailable() }
func (Unavailable) CreateFlag(context.Context, *ff.Flag) error         { return ErrUnavailable() }
func (Unavailable) UpdateFlag(context.Context, *ff.Flag, int64) error  { return ErrUnavailable() }
func (Unavailable) DeleteFlag(context.Context, string, int64) error    { return ErrUnavailable() }
func (Unavailable) ToggleFlag(context.Context, string, string, int64, time.Time) (*ff.Flag, error) {
	return nil, ErrUnavailable()
}
func (Unavailable) ListEnvironments(context.Context) ([]*ff.Environment, error) {
	return nil, ErrUnavailable()
}
func (Unavailable) CreateEnvironment(context.Context, *ff.Environment) error { return ErrUnavailable() }
func (Unavailable) DeleteEnvironment(context.Context, string) error          { return ErrUnavailable() }
func (Unavailable) ListSegments(context.Context) ([]*ff.Segment, error)      { return nil, ErrUnavailable() }
func (Unavailable) FindSegment(context.Context, string) (*ff.Segment, error) {
	return nil, ErrUnavailable()
}
func (Unavailable) CreateSegment(context.Context, *ff.Segment) error        { return ErrUnavailable() }
func (Unavailable) UpdateSegment(context.Context, *ff.Segment, int64) error { return ErrUnavailable() }
func (Unavailable) DeleteSegment(context.Context, string, int64) error      { return ErrUnavailable() }
func (Unavailable) Revision(context.Context) (int64, error)                 { return 0, ErrUnavailable() }
func (Unavailable) Load(context.Context) (*ff.Dataset, error)               { return nil, ErrUnavailable() }
func (Unavailable) Import(context.Context, *ff.Dataset) error               { return ErrUnavailable() }
func (Unavailable) Apply(context.Context, *ff.Change) error                 { return ErrUnavailable() }
func (Unavailable) CreateToken(context.Context, *ff.Token) error            { return ErrUnavailable() }
func (Unavailable) ListTokens(context.Context) ([]*ff.Token, error)         { return nil, ErrUnavailable() }
func (Unavailable) FindTokenByHash(context.Context, string) (*ff.Token, error) {
	return nil, ErrUnavailable()
}
func (Unavailable) RevokeToken(context.Context, string, time.Time) error { return ErrUnavailable() }
func (Unavailable) TouchTokens(context.Context, map[string]time.Time) error {
	return ErrUnavailable()
}
func (Unavailable) ListAudit(context.Context, ff.AuditFilter) ([]*ff.AuditEvent, string, error) {
	return nil, "", ErrUnavailable()
}
func (Unavailable) Ping(context.Context) error { return ErrUnavailable() }

// Close has nothing to close.
func (Unavailable) Close() error { return nil }

func (Unavailable) UpdateEnvironment(context.Context, *ff.Environment) error { return ErrUnavailable() }
func (Unavailable) ListChangeRequests(context.Context, string) ([]*ff.ChangeRequest, error) {
	return nil, ErrUnavailable()
}
func (Unavailable) FindChangeRequest(context.Context, string) (*ff.ChangeRequest, error) {
	return nil, ErrUnavailable()
}
func (Unavailable) CreateChangeRequest(context.Context, *ff.ChangeRequest) error {
	return ErrUnavailable()
}
func (Unavailable) UpdateChangeRequest(context.Context, *ff.ChangeRequest, int64) error {
	return ErrUnavailable()
}
func (Unavailable) ApplyChangeRequest(context.Context, *ff.ChangeRequest, int64) error {
	return ErrUnavailable()
}
