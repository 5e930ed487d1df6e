package featureflags

import (
	"context"
	"slices"
	"time"
)

// The states of a schedule's step. A step is pending until it runs (done),
// no longer applies when its time comes (skipped) or is cancelled; it is
// running only on MongoDB, between its claim and its outcome.
const (
	StepPending   = "pending"
	StepRunning   = "running"
	StepDone      = "done"
	StepSkipped   = "skipped"
	StepCancelled = "cancelled"
)

// ScheduledChange is what one step changes in the flag's environment: a
// patch applied to the flag as it is when the step runs, so that changes
// made meanwhile to anything the patch does not touch survive. At least
// one field is set; DefaultServe and Rollout exclude each other.
type ScheduledChange struct {
	// Enabled turns the environment on or off.
	Enabled *bool `json:"enabled,omitempty"`
	// DefaultServe replaces what the environment serves when no rule
	// matches.
	DefaultServe *Serve `json:"defaultServe,omitempty"`
	// Rollout sets new weights on the default serve's rollout (a ramp's
	// step), keeping its bucketing; it applies while that rollout splits
	// between the same variants.
	Rollout []WeightedVariant `json:"rollout,omitempty"`
	// Rules replaces the environment's targeting rules; it applies while
	// the rules are those it was scheduled over (RulesBase).
	Rules *[]Rule `json:"rules,omitempty"`
	// RulesBase, set by the service, fingerprints the rules a Rules step
	// replaces: those of the flag when scheduled, or of the schedule's
	// previous step that set rules.
	RulesBase string `json:"rulesBase,omitempty"`
}

// ScheduleStep is one change of a schedule and what became of it.
type ScheduleStep struct {
	RunAt  time.Time       `json:"runAt"`
	Change ScheduledChange `json:"change"`
	Status string          `json:"status"`
	// Reason says why a step was skipped or cancelled.
	Reason string `json:"reason,omitempty"`
	// RanAt is when the step ran, was skipped or was cancelled.
	RanAt *time.Time `json:"ranAt,omitempty"`
	// FlagVersion is the flag's version the step's change made.
	FlagVersion int64 `json:"flagVersion,omitempty"`
}

// Schedule is a list of changes to one flag in one environment, each at
// its time, in order: one change, or a ramp of rollout weights.
type Schedule struct {
	ID          string         `json:"_id"`
	FlagID      string         `json:"flagId"`
	FlagName    string         `json:"flagName"`
	Environment string         `json:"environment"`
	CreatedBy   Actor          `json:"createdBy"`
	CreatedAt   time.Time      `json:"createdAt"`
	Steps       []ScheduleStep `json:"steps"`
}

// Clone returns a copy of s whose steps are its own (their changes are
// shared: a step's change is never modified in place).
func (s *Schedule) Clone() *Schedule {
	c := *s
	c.Steps = slices.Clone(s.Steps)
	return &c
}

// Pending reports whether any step of s is still to run.
func (s *Schedule) Pending() bool {
	for _, st := range s.Steps {
		if st.Status == StepPending || st.Status == StepRunning {
			return true
		}
	}
	return false
}

// ScheduleFilter selects schedules: those of FlagID (all when empty),
// only those with a step still to run when Pending is set.
type ScheduleFilter struct {
	FlagID  string
	Pending bool
}

// StepOutcome is what running a due step decided: write Flag (its
// version set by the runner) and mark the step done, or, with Flag nil,
// mark it Status (StepDone when the flag already was as the step sets it,
// StepSkipped when the step no longer applies) for Reason. Event, if not
// nil, is audited in the same transaction.
type StepOutcome struct {
	Flag   *Flag
	Status string
	Reason string
	Event  *AuditEvent
}

// StepRunner decides a due step: due holds its schedule with that one step
// in Steps; f is the flag as stored now, nil if it was deleted.
type StepRunner func(due *Schedule, f *Flag) StepOutcome

// ScheduleStore keeps scheduled changes and runs them. Every store
// implements it; it is apart from Store so that a consumer asks for it by
// name. Its writes record the audit event ctx carries and move the
// revision, as Store's do.
type ScheduleStore interface {
	// CreateSchedule stores s, its steps pending.
	CreateSchedule(ctx context.Context, s *Schedule) error
	// ListSchedules returns the schedules f selects, ordered by their
	// first step's time, then id.
	ListSchedules(ctx context.Context, f ScheduleFilter) ([]*Schedule, error)
	// FindSchedule returns the schedule with this id, or ENOTFOUND.
	FindSchedule(ctx context.Context, id string) (*Schedule, error)
	// CancelSchedule cancels every step of the schedule still pending, at
	// the given time, and returns the schedule; ECONFLICT if none is.
	CancelSchedule(ctx context.Context, id string, at time.Time) (*Schedule, error)
	// RunDueStep claims the earliest step whose time is at or before now
	// and which no earlier pending step of the same flag and environment
	// precedes, lets run decide it and records the outcome, so that each
	// step runs exactly once across processes sharing the database: the
	// claim, the flag's write, the event and the outcome commit together
	// where the database has transactions. It returns the schedule holding
	// the step as recorded, or nil when no step is due.
	RunDueStep(ctx context.Context, now time.Time, run StepRunner) (*Schedule, error)
	// ApplyScheduleRequest records r (its status applied) and stores
	// r.Schedule, its steps pending, at once, if the request is at
	// expectVersion: EPRECONDITION if it moved, and then nothing changes.
	ApplyScheduleRequest(ctx context.Context, r *ChangeRequest, expectVersion int64) error
}
