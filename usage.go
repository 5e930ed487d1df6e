package featureflags

import (
	"context"
	"time"
)

// UsageBucket is how many evaluations of one flag in one environment gave
// one variant for one reason (or failed with one error code) during one
// hour. Buckets are added up: replicas and SDKs each add their own counts,
// and the store sums them.
type UsageBucket struct {
	FlagID      string    `json:"flagId"`
	Environment string    `json:"environment"`
	Hour        time.Time `json:"hour"` // the start of the hour, UTC
	Variant     string    `json:"variant,omitempty"`
	Reason      string    `json:"reason"`
	ErrorCode   string    `json:"errorCode,omitempty"`
	Count       int64     `json:"count"`
}

// UsageFilter selects usage buckets: those of FlagID (all flags when empty)
// in Environment (all when empty) whose hour is in [Since, Until) (unbounded
// where zero).
type UsageFilter struct {
	FlagID      string
	Environment string
	Since       time.Time
	Until       time.Time
}

// UsageStore keeps evaluation counts in hourly buckets. It is bookkeeping:
// its writes neither write audit events nor move the revision.
type UsageStore interface {
	// AddUsage adds each bucket's Count to the stored bucket with the same
	// flag, environment, hour, variant, reason and error code, creating it
	// at zero if needed, all in one transaction where the database has
	// them. Concurrent adds never lose each other's counts.
	AddUsage(ctx context.Context, buckets []UsageBucket) error
	// Usage returns the buckets f selects ordered by hour, environment,
	// variant, reason and error code.
	Usage(ctx context.Context, f UsageFilter) ([]UsageBucket, error)
	// LastUsage returns, for every flag and environment with usage, one
	// bucket whose Hour is the latest hour with evaluations, ordered by flag
	// and environment (its other fields are empty).
	LastUsage(ctx context.Context) ([]UsageBucket, error)
}

// UsageHour truncates t to the start of its hour in UTC.
func UsageHour(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }

// UsagePruner removes old usage buckets, for the retention a deployment
// sets (--usage-retention). Every store implements it; it is apart from
// UsageStore so that a consumer asks for it by name.
type UsagePruner interface {
	// PruneUsage deletes the buckets whose hour starts before before and
	// returns how many it deleted. It is bookkeeping: it writes no audit
	// event and does not move the revision.
	PruneUsage(ctx context.Context, before time.Time) (int64, error)
}
