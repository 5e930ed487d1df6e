package service

import (
	"context"
	"fmt"
	"slices"

	ff "github.com/featureflags/featureflags"
)

// Beside the data, an export carries the work about it: the schedules
// with a step still to run, the open change requests and the webhook
// endpoints, so that a deployment moved with export and import goes on as
// it was. Their stores have no transaction with the data's, so an import
// checks all of them with the data before writing anything, and then loads
// them after it, each by id: one already there is left as it is (a
// webhook takes the file's URL, filter and state), so that an import
// interrupted by a failing database is completed by running it again.
//
// Webhook secrets are never exported. An endpoint new to the store is
// imported disabled with a new random secret: it sends nothing until an
// admin gives it the secret its receiver checks and enables it.

// exportExtras adds to d the schedules still to run, the open change
// requests and the webhooks.
func (s *Service) exportExtras(ctx context.Context, d *ff.Dataset) error {
	ss, err := s.scheduleStore()
	if err != nil {
		return err
	}
	if d.Schedules, err = ss.ListSchedules(ctx, ff.ScheduleFilter{Pending: true}); err != nil {
		return err
	}
	if d.ChangeRequests, err = s.Store().ListChangeRequests(ctx, ff.RequestOpen); err != nil {
		return err
	}
	d.Webhooks, err = s.Store().ListWebhooks(ctx)
	return err
}

// prepareExtras copies d's schedules, change requests and webhooks into in,
// checking what can be checked of them alone.
func prepareExtras(d, in *ff.Dataset) error {
	ids := map[string]bool{}
	for i, sc := range d.Schedules {
		at := fmt.Sprintf("schedules[%d]", i)
		if err := checkExtra(at, "schedule", sc == nil, func() string { return sc.ID }, ids); err != nil {
			return err
		}
		if len(sc.Steps) == 0 || len(sc.Steps) > MaxScheduleSteps {
			return overLimit(LimitScheduleSteps, at+".steps", len(sc.Steps), MaxScheduleSteps, "steps")
		}
		for j, st := range sc.Steps {
			if !slices.Contains([]string{ff.StepPending, ff.StepRunning, ff.StepDone, ff.StepSkipped, ff.StepCancelled}, st.Status) || st.RunAt.IsZero() {
				return ff.FieldErrorf(fmt.Sprintf("%s.steps[%d]", at, j), "%s.steps[%d] needs a runAt and a status (pending, done, skipped or cancelled)", at, j)
			}
		}
		in.Schedules = append(in.Schedules, sc.Clone())
	}
	for i, r := range d.ChangeRequests {
		at := fmt.Sprintf("changeRequests[%d]", i)
		if err := checkExtra(at, "change request", r == nil, func() string { return r.ID }, ids); err != nil {
			return err
		}
		if r.Status != ff.RequestOpen {
			return ff.FieldErrorf(at+".status", "%s is %s: only open change requests are imported", at, r.Status)
		}
		if r.Before == nil || r.Before.ID != r.FlagID {
			return ff.FieldErrorf(at+".before", "%s.before must be the flag %s as the change was proposed on", at, r.FlagID)
		}
		in.ChangeRequests = append(in.ChangeRequests, r.Clone())
	}
	for i, w := range d.Webhooks {
		at := fmt.Sprintf("webhooks[%d]", i)
		if err := checkExtra(at, "webhook", w == nil, func() string { return w.ID }, ids); err != nil {
			return err
		}
		c := *w
		in.Webhooks = append(in.Webhooks, &c)
	}
	return nil
}

// checkExtra refuses a null item, or one without an id or with an id
// another item took.
func checkExtra(at, kind string, null bool, id func() string, ids map[string]bool) error {
	switch {
	case null:
		return ff.FieldErrorf(at, "%s is null; give a %s object", at, kind)
	case id() == "":
		return ff.FieldErrorf(at+"._id", "%s has no _id: import takes what export wrote", at)
	case ids[id()]:
		return ff.FieldErrorf(at+"._id", "id %q is used twice in the file", id())
	}
	ids[id()] = true
	return nil
}

// validateExtras checks in's schedules, change requests and webhooks
// against the flags and environments there will be after the import
// (flags by id, envs by name).
func (s *Service) validateExtras(ctx context.Context, in *ff.Dataset, flags map[string]bool, envs []string) error {
	for i, sc := range in.Schedules {
		at := fmt.Sprintf("schedules[%d]", i)
		if !flags[sc.FlagID] {
			return ff.FieldErrorf(at+".flagId", "%s is of flag %s, which is neither in the file nor in the store", at, sc.FlagID)
		}
		if err := checkEnvironment(at+".environment", sc.Environment, envs); err != nil {
			return err
		}
	}
	for i, r := range in.ChangeRequests {
		at := fmt.Sprintf("changeRequests[%d]", i)
		if !flags[r.FlagID] {
			return ff.FieldErrorf(at+".flagId", "%s is of flag %s, which is neither in the file nor in the store", at, r.FlagID)
		}
	}
	if err := s.checkWebhookCount(ctx, in.Webhooks); err != nil {
		return err
	}
	for i, w := range in.Webhooks {
		if err := within(fmt.Sprintf("webhooks[%d]", i), "webhook", w.URL, s.validateEndpoint(ctx, w, envs)); err != nil {
			return err
		}
	}
	return nil
}

// checkWebhookCount refuses an import that would take the webhooks over
// the most that may be registered, before anything is written (the
// store's own check comes too late for that).
func (s *Service) checkWebhookCount(ctx context.Context, ws []*ff.Webhook) error {
	cur, err := s.Store().ListWebhooks(ctx)
	if err != nil {
		return err
	}
	n := len(cur)
	for _, w := range ws {
		if !slices.ContainsFunc(cur, func(c *ff.Webhook) bool { return c.ID == w.ID }) {
			n++
		}
	}
	if max := s.webhooks.MaxEndpoints; max > 0 && n > max {
		return &ff.Error{Code: ff.ECONFLICT, Limit: limitWebhookEndpoints, Field: "webhooks",
			Message: fmt.Sprintf("the import would make %d webhooks; at most %d may be registered (%s)", n, max, limitWebhookEndpoints)}
	}
	return nil
}

// limitWebhookEndpoints names WebhookSettings.MaxEndpoints, as the stores
// name it in their refusals.
const limitWebhookEndpoints = "webhooks-max-endpoints"

// importExtras loads in's schedules, change requests and webhooks, each
// unless one of its id is there already.
func (s *Service) importExtras(ctx context.Context, in *ff.Dataset) error {
	ss, err := s.scheduleStore()
	if err != nil {
		return err
	}
	for _, sc := range in.Schedules {
		if err := createUnlessFound(ctx, ss.FindSchedule, ss.CreateSchedule, sc.ID, sc); err != nil {
			return err
		}
	}
	for _, r := range in.ChangeRequests {
		if err := createUnlessFound(ctx, s.Store().FindChangeRequest, s.Store().CreateChangeRequest, r.ID, r); err != nil {
			return err
		}
	}
	for _, w := range in.Webhooks {
		if err := createUnlessFound(ctx, s.Store().FindWebhook, s.importWebhook, w.ID, w); err != nil {
			return err
		}
	}
	return nil
}

// createUnlessFound creates item unless find finds its id.
func createUnlessFound[T any](ctx context.Context, find func(context.Context, string) (T, error), create func(context.Context, T) error, id string, item T) error {
	_, err := find(ctx, id)
	if ff.ErrorCode(err) == ff.ENOTFOUND {
		return create(ctx, item)
	}
	return err
}

// importWebhook creates w disabled, with a new secret: its receiver
// checks another, which an admin gives it before enabling it.
func (s *Service) importWebhook(ctx context.Context, w *ff.Webhook) error {
	next := *w
	var err error
	if next.Secret, err = newWebhookSecret(); err != nil {
		return err
	}
	next.Disabled, next.Version = true, 1
	return s.Store().CreateWebhook(ctx, &next, s.webhooks.MaxEndpoints)
}
