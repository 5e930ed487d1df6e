package featureflags

import (
	"context"
	"time"
)

// AnyVersion, passed as an expected version, skips the version check.
const AnyVersion int64 = 0

// Store keeps flags, environments, segments, tokens and the audit history.
// It is composed of the small interfaces below; a consumer asks for the ones
// it uses.
//
// Implementations translate their driver's errors into *Error values:
// ENOTFOUND for a missing item (never a nil result with a nil error),
// ECONFLICT for a duplicate name, EPRECONDITION when an expected version does
// not match and EUNAVAILABLE when the database cannot be reached. Every method
// is safe for concurrent use, also by several processes sharing one database.
//
// Every write except TouchTokens also writes the audit event carried by its
// context (see WithAudit), if any, in the same transaction.
//
// Stores hold what they are given: the service validates input, assigns ids,
// versions and times, and fills in environments a flag does not mention.
type Store interface {
	FlagStore
	EnvironmentStore
	SegmentStore
	TokenStore
	AuditLog
	DatasetStore
	WebhookStore
	ChangeRequestStore
	Pinger
	// Close releases the store's resources.
	Close() error
}

// FlagStore keeps flags.
type FlagStore interface {
	// ListFlags returns every flag ordered by name.
	ListFlags(ctx context.Context) ([]*Flag, error)
	// FindFlag returns the flag whose id, or else whose name, is idOrName.
	FindFlag(ctx context.Context, idOrName string) (*Flag, error)
	// CreateFlag inserts f as it is.
	CreateFlag(ctx context.Context, f *Flag) error
	// UpdateFlag replaces the flag with id f.ID by f if its stored version is
	// expectVersion (f.Version is the new version, set by the caller).
	UpdateFlag(ctx context.Context, f *Flag, expectVersion int64) error
	// DeleteFlag deletes the flag with this id, if its version is
	// expectVersion (or expectVersion is AnyVersion).
	DeleteFlag(ctx context.Context, id string, expectVersion int64) error
	// ToggleFlag flips the flag's state in env in one atomic step, never a
	// read-modify-write, incrementing its version and setting its update time
	// to now. It returns the flag as it is after the toggle.
	ToggleFlag(ctx context.Context, id, env string, expectVersion int64, now time.Time) (*Flag, error)
}

// EnvironmentStore keeps environments.
type EnvironmentStore interface {
	// ListEnvironments returns every environment in creation order.
	ListEnvironments(ctx context.Context) ([]*Environment, error)
	// CreateEnvironment adds an environment; ECONFLICT if the name is taken.
	CreateEnvironment(ctx context.Context, e *Environment) error
	// DeleteEnvironment removes an environment and its state and targeting
	// from every flag. It refuses (EINVALID) to delete the last one.
	DeleteEnvironment(ctx context.Context, name string) error
	// UpdateEnvironment replaces the settings (Protected, RequireApproval,
	// ApprovalAdminsBypass) of the environment e.Name; ENOTFOUND if none.
	UpdateEnvironment(ctx context.Context, e *Environment) error
}

// SegmentStore keeps segments.
type SegmentStore interface {
	// ListSegments returns every segment ordered by name.
	ListSegments(ctx context.Context) ([]*Segment, error)
	// FindSegment returns the segment whose id, or else whose name, is idOrName.
	FindSegment(ctx context.Context, idOrName string) (*Segment, error)
	CreateSegment(ctx context.Context, s *Segment) error
	UpdateSegment(ctx context.Context, s *Segment, expectVersion int64) error
	DeleteSegment(ctx context.Context, id string, expectVersion int64) error
}

// TokenStore keeps access tokens.
type TokenStore interface {
	// CreateToken stores a token (its Hash, never its secret).
	CreateToken(ctx context.Context, t *Token) error
	// ListTokens returns every token, revoked ones included, newest first.
	ListTokens(ctx context.Context) ([]*Token, error)
	// FindTokenByHash returns the token whose Hash is hash (revoked and
	// expired ones too: the caller decides), or ENOTFOUND.
	FindTokenByHash(ctx context.Context, hash string) (*Token, error)
	// RevokeToken marks a token revoked at the given time; ENOTFOUND if
	// there is none, revoking twice keeps the first time.
	RevokeToken(ctx context.Context, id string, at time.Time) error
	// TouchTokens records last-used times, in bulk; it is bookkeeping, so it
	// neither writes audit events nor moves the revision. A time never moves
	// back (the later one is kept) and unknown ids are skipped.
	TouchTokens(ctx context.Context, lastUsed map[string]time.Time) error
}

// AuditLog reads the audit history that every write appends to (and that
// only AuditPruner, by the retention a deployment sets, shortens).
type AuditLog interface {
	// ListAudit returns the events f selects, newest first, and the cursor
	// of the next page ("" after the last).
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEvent, string, error)
}

// AuditPruner removes old audit events, for deployments that set a
// retention. Every store implements it; it is apart from Store so that a
// consumer asks for it by name.
type AuditPruner interface {
	// PruneAudit deletes the events older than before (none if before is
	// zero) and all but the newest keep events (none if keep is 0), and
	// returns how many it deleted. It is bookkeeping: it writes no audit
	// event and does not move the revision.
	PruneAudit(ctx context.Context, before time.Time, keep int) (int64, error)
}

// DatasetStore reads and writes the whole dataset at one revision.
type DatasetStore interface {
	Reviser
	// Load returns every environment, flag and segment, as of one revision
	// (ordered as the List methods order them).
	Load(ctx context.Context) (*Dataset, error)
	// Import loads d: environments, segments and flags are inserted, or
	// replace the ones of the same name, so importing twice changes nothing
	// the second time. d.Revision is ignored. On any error nothing changes
	// (all in one transaction where the database has them).
	Import(ctx context.Context, d *Dataset) error
	// Apply makes c in one transaction (where the database has them): it
	// imports c.Dataset as Import does and deletes what c names, but only
	// if the store's revision is still c.Revision (EPRECONDITION if not;
	// 0 skips the check). It moves the revision once and records the
	// audit event ctx carries once (or each of the events
	// WithAuditEvents put in ctx).
	Apply(ctx context.Context, c *Change) error
}

// Change is a whole-dataset change, what flags-as-code applies: upserts
// (as Import) and deletions, made at a known revision.
type Change struct {
	Dataset *Dataset
	// DeleteFlags and DeleteSegments are ids; DeleteEnvironments names,
	// which no flag kept by the change may still mention.
	DeleteFlags        []string
	DeleteSegments     []string
	DeleteEnvironments []string
	// Revision is the store revision the change was planned at.
	Revision int64
}

// Reviser tells the store's revision.
type Reviser interface {
	// Revision returns a number that grows with every committed change,
	// made through any process: each write increments it in its own
	// transaction (or, where the database has none, right after the change).
	Revision(ctx context.Context) (int64, error)
}

// Pinger reports whether the database can be reached.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Dataset is everything a store holds, read at one revision: what `export`
// writes, what `import` reads, and what the service's in-memory view and
// evaluation snapshots are built from.
type Dataset struct {
	Revision     int64          `json:"revision"`
	Environments []*Environment `json:"environments"`
	Flags        []*Flag        `json:"flags"`
	Segments     []*Segment     `json:"segments"`
	// Schedules (those with a step still to run), ChangeRequests (the
	// open ones) and Webhooks (without their secrets) are what an export
	// carries beside the data, and an import loads after it. Stores' Load,
	// Import and Apply leave them out: they have stores of their own.
	Schedules      []*Schedule      `json:"schedules,omitempty"`
	ChangeRequests []*ChangeRequest `json:"changeRequests,omitempty"`
	Webhooks       []*Webhook       `json:"webhooks,omitempty"`
}
