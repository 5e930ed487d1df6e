package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	ff "github.com/featureflags/featureflags"
)

// defaultScheduleInterval is how often the serve command looks for due
// scheduled steps: a step runs at most this long after its time (plus the
// time to run the steps before it).
const defaultScheduleInterval = 500 * time.Millisecond

func scheduleFlags(fs *flag.FlagSet, interval *time.Duration) {
	fs.DurationVar(interval, "schedule-interval", *interval, "how often to run scheduled changes that are due; a change runs at most this late")
}

func validateScheduleInterval(d time.Duration) error {
	if d <= 0 || d > time.Second {
		return fmt.Errorf("--schedule-interval (FEATUREFLAGS_SCHEDULE_INTERVAL) must be positive and at most 1s, so that scheduled changes run within a second of their time")
	}
	return nil
}

// startSchedules runs scheduled changes: at once, those missed while no
// replica ran (in order), then every --schedule-interval those due.
func (m *Main) startSchedules(ctx context.Context) {
	m.workers.Go(func() {
		report := func(err error) {
			if ff.ErrorCode(err) == ff.EUNAVAILABLE {
				m.Log.Debug("running scheduled changes failed; retrying", "error", err.Error())
				return
			}
			m.Log.Warn("running scheduled changes failed; retrying", "error", err.Error())
		}
		if err := m.runSchedules(ctx); err != nil && ctx.Err() == nil {
			report(err)
		}
		every(ctx, m.Config.ScheduleInterval, m.runSchedules, report)
	})
}

// runSchedules runs the steps due now, once.
func (m *Main) runSchedules(ctx context.Context) error {
	n, err := m.svc.RunDueSchedules(ctx)
	if n > 0 {
		m.Log.Info("ran scheduled changes", "steps", n)
	}
	return err
}
