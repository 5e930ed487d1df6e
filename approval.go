package featureflags

import (
	"context"
	"slices"
	"time"
)

// MaxRequireApproval bounds an environment's RequireApproval: more
// approvals than this are a typo, not a policy.
const MaxRequireApproval = 10

// The statuses of a change request.
const (
	RequestOpen     = "open"     // waiting for approvals, or to be applied
	RequestApplied  = "applied"  // its change was made
	RequestRejected = "rejected" // closed without its change
)

// ChangeRequest is a change to one flag held for approval because it
// touches an environment that requires it (Environment.RequireApproval).
// Before is the flag as the change was proposed against; After is the flag
// the change makes (nil when it deletes the flag). Applying it writes After
// only if the flag is still at Before's version, so a change made
// meanwhile is never overwritten: the request must then be proposed again
// on the current flag, which resets its approvals.
type ChangeRequest struct {
	ID       string `json:"_id"`
	FlagID   string `json:"flagId"`
	FlagName string `json:"flagName"`
	// Action is the write it makes, as its audit event names it:
	// flag.update, flag.toggle, flag.targeting, flag.archive, ...
	Action string `json:"action"`
	// Environments are those that required the approval.
	Environments []string `json:"environments"`
	// Required is how many approvals it needs, by people other than its
	// author.
	Required  int      `json:"required"`
	Status    string   `json:"status"`
	Author    Actor    `json:"author"`
	Comment   string   `json:"comment,omitempty"`
	Before    *Flag    `json:"before"`
	After     *Flag    `json:"after,omitempty"`
	Approvals []Review `json:"approvals"`
	// Schedule, set on a request whose Action is "schedule.create", is the
	// schedule it proposes: applying it stores this schedule, its steps
	// pending, and changes no flag (After is then the flag as the
	// schedule's last step would make it of Before, for the diff).
	Schedule *Schedule `json:"schedule,omitempty"`
	// Decision is who applied or rejected it, when, and their comment.
	Decision  *Review   `json:"decision,omitempty"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Review is one person's word on a change request.
type Review struct {
	Actor   Actor     `json:"actor"`
	Comment string    `json:"comment,omitempty"`
	Time    time.Time `json:"time"`
}

// Clone returns a deep copy of r.
func (r *ChangeRequest) Clone() *ChangeRequest {
	c := *r
	c.Environments = slices.Clone(r.Environments)
	c.Approvals = slices.Clone(r.Approvals)
	if r.Before != nil {
		c.Before = r.Before.Clone()
	}
	if r.After != nil {
		c.After = r.After.Clone()
	}
	if r.Schedule != nil {
		c.Schedule = r.Schedule.Clone()
	}
	if r.Decision != nil {
		d := *r.Decision
		c.Decision = &d
	}
	return &c
}

// ChangeRequestStore keeps change requests. They are not part of the
// dataset (export, import, snapshots): they are work in progress.
type ChangeRequestStore interface {
	// ListChangeRequests returns the requests with this status (every one
	// when status is ""), newest first.
	ListChangeRequests(ctx context.Context, status string) ([]*ChangeRequest, error)
	// FindChangeRequest returns the request with this id, or ENOTFOUND.
	FindChangeRequest(ctx context.Context, id string) (*ChangeRequest, error)
	// CreateChangeRequest inserts r as it is.
	CreateChangeRequest(ctx context.Context, r *ChangeRequest) error
	// UpdateChangeRequest replaces the request r.ID by r if its stored
	// version is expectVersion (EPRECONDITION if not).
	UpdateChangeRequest(ctx context.Context, r *ChangeRequest, expectVersion int64) error
	// ApplyChangeRequest makes r's change and records r (its status
	// applied) at once: r.After replaces the flag r.FlagID, or r.After nil
	// deletes it, only if the flag is at r.Before.Version and the request
	// at expectVersion; EPRECONDITION if either moved, and then nothing
	// changes. The audit event ctx carries describes the flag's change.
	ApplyChangeRequest(ctx context.Context, r *ChangeRequest, expectVersion int64) error
}
