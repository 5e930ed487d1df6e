package storeerr

import ff "github.com/featureflags/featureflags"

// Schedule is the item kind of scheduled changes.
const Schedule = "schedule"

// NothingToCancel returns the ECONFLICT error for cancelling the schedule
// id, none of whose steps is still pending.
func NothingToCancel(id string) error {
	return ff.Errorf(ff.ECONFLICT, "schedule %q has no step left to cancel: each has run, been skipped or been cancelled", id)
}
