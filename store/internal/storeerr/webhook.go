package storeerr

import (
	"fmt"

	ff "github.com/featureflags/featureflags"
)

// Kinds of the webhook items, as messages name them.
const (
	Webhook  = "webhook"
	Delivery = "webhook delivery"
)

// The names of the webhook limits, as their errors and the documentation
// name them (the serve command's flags).
const (
	LimitWebhooks = "webhooks-max-endpoints"
	LimitQueued   = "webhooks-max-queued"
)

// TooManyWebhooks refuses a new endpoint beyond max.
func TooManyWebhooks(max int) error {
	return &ff.Error{Code: ff.ECONFLICT, Limit: LimitWebhooks,
		Message: fmt.Sprintf("at most %d webhooks may be registered (%s); delete one first", max, LimitWebhooks)}
}

// QueueFull refuses a redelivery to an endpoint with max pending ones.
func QueueFull(max int) error {
	return &ff.Error{Code: ff.ECONFLICT, Limit: LimitQueued,
		Message: fmt.Sprintf("the webhook has %d deliveries queued already (%s); wait for them", max, LimitQueued)}
}

// LeaseLost is the error of finishing a delivery whose lease another
// replica took over (or that was deleted meanwhile).
func LeaseLost(id string) error {
	return ff.Errorf(ff.EPRECONDITION, "webhook delivery %q is no longer leased to this worker", id)
}
