package codec

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
)

// ScheduleColumnList is the column list of a schedule's step, one row per
// step, in the order ScanStep reads and StepArgs fills.
const ScheduleColumnList = `schedule_id, seq, flag_id, flag_name, environment, run_at, change, status, reason, ran_at, flag_version, created_by, created_at`

// StepArgs returns the column values of s's step i in the order of
// ScheduleColumnList.
func StepArgs(s *ff.Schedule, i int) ([]any, error) {
	st := &s.Steps[i]
	change, err := json.Marshal(st.Change)
	if err != nil {
		return nil, err
	}
	by, err := json.Marshal(s.CreatedBy)
	if err != nil {
		return nil, err
	}
	return []any{s.ID, i, s.FlagID, s.FlagName, s.Environment, Millis(st.RunAt), string(change),
		st.Status, st.Reason, OptMillis(st.RanAt), st.FlagVersion, string(by), Millis(s.CreatedAt)}, nil
}

// ScanStep reads one row of ScheduleColumnList as a schedule holding that
// one step, and the step's position in its schedule.
func ScanStep(row Row) (*ff.Schedule, int, error) {
	var s ff.Schedule
	var st ff.ScheduleStep
	var seq int
	var runAt, created int64
	var ranAt *int64
	var change, by []byte
	err := row.Scan(&s.ID, &seq, &s.FlagID, &s.FlagName, &s.Environment, &runAt, &change,
		&st.Status, &st.Reason, &ranAt, &st.FlagVersion, &by, &created)
	if err != nil {
		return nil, 0, err
	}
	if err := json.Unmarshal(change, &st.Change); err != nil {
		return nil, 0, err
	}
	if err := json.Unmarshal(by, &s.CreatedBy); err != nil {
		return nil, 0, err
	}
	st.RunAt, st.RanAt, s.CreatedAt = Time(runAt), OptTime(ranAt), Time(created)
	s.Steps = []ff.ScheduleStep{st}
	return &s, seq, nil
}

// GroupSteps joins one-step schedules, as ScanStep reads them ordered by
// schedule and position, into whole schedules, keeps those f selects and
// orders them by their first step's time, then id.
func GroupSteps(steps []*ff.Schedule, f ff.ScheduleFilter) []*ff.Schedule {
	var out []*ff.Schedule
	for _, s := range steps {
		if n := len(out); n > 0 && out[n-1].ID == s.ID {
			out[n-1].Steps = append(out[n-1].Steps, s.Steps...)
			continue
		}
		out = append(out, s)
	}
	out = slices.DeleteFunc(out, func(s *ff.Schedule) bool {
		return (f.FlagID != "" && s.FlagID != f.FlagID) || (f.Pending && !s.Pending())
	})
	slices.SortStableFunc(out, func(a, b *ff.Schedule) int {
		if c := a.Steps[0].RunAt.Compare(b.Steps[0].RunAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if out == nil {
		out = []*ff.Schedule{}
	}
	return out
}

// DueStepQuery selects the step RunDueStep claims (ScheduleColumnList),
// with param the placeholder of now: the earliest pending step due by
// then that no earlier step of its flag and environment, still to run,
// precedes, so that a flag's steps run in order.
func DueStepQuery(param string) string {
	return `SELECT ` + ScheduleColumnList + ` FROM schedules s
		WHERE s.status = 'pending' AND s.run_at <= ` + param + `
		AND NOT EXISTS (SELECT 1 FROM schedules p
			WHERE p.flag_id = s.flag_id AND p.environment = s.environment
			AND p.status IN ('pending', 'running')
			AND (p.run_at, p.schedule_id, p.seq) < (s.run_at, s.schedule_id, s.seq))
		ORDER BY s.run_at, s.schedule_id, s.seq LIMIT 1`
}

// RecordOutcome sets st as out, decided at, says, and returns st.
func RecordOutcome(st *ff.ScheduleStep, out ff.StepOutcome, at time.Time) *ff.ScheduleStep {
	st.Status, st.Reason, st.FlagVersion = out.Status, out.Reason, 0
	if out.Flag != nil {
		st.Status, st.FlagVersion = ff.StepDone, out.Flag.Version
	}
	at = at.UTC().Truncate(time.Millisecond)
	st.RanAt = &at
	return st
}
