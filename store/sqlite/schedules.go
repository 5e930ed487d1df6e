package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
)

var _ ff.ScheduleStore = (*Store)(nil)

// CreateSchedule stores s, one row per step.
func (s *Store) CreateSchedule(ctx context.Context, sc *ff.Schedule) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return insertSchedule(ctx, tx, sc) })
}

// ApplyScheduleRequest records r applied and stores its schedule in one
// transaction.
func (s *Store) ApplyScheduleRequest(ctx context.Context, r *ff.ChangeRequest, expectVersion int64) error {
	doc, err := codec.EncodeChangeRequest(r)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := updateRequest(ctx, tx, r, doc, expectVersion); err != nil {
			return err
		}
		return insertSchedule(ctx, tx, r.Schedule)
	})
}

// insertSchedule inserts sc's steps, one row each.
func insertSchedule(ctx context.Context, tx *sql.Tx, sc *ff.Schedule) error {
	for i := range sc.Steps {
		args, err := codec.StepArgs(sc, i)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schedules (`+codec.ScheduleColumnList+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// ListSchedules returns the schedules f selects.
func (s *Store) ListSchedules(ctx context.Context, f ff.ScheduleFilter) ([]*ff.Schedule, error) {
	return listSchedules(ctx, s.read, f, "")
}

// FindSchedule returns the schedule id.
func (s *Store) FindSchedule(ctx context.Context, id string) (*ff.Schedule, error) {
	out, err := listSchedules(ctx, s.read, ff.ScheduleFilter{}, id)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, storeerr.NotFound(storeerr.Schedule, id)
	}
	return out[0], nil
}

// listSchedules reads the schedules f selects, or the one with id if set.
func listSchedules(ctx context.Context, q queryer, f ff.ScheduleFilter, id string) ([]*ff.Schedule, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+codec.ScheduleColumnList+` FROM schedules
		WHERE (?1 = '' OR flag_id = ?1) AND (?2 = '' OR schedule_id = ?2)
		ORDER BY schedule_id, seq`, f.FlagID, id)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var steps []*ff.Schedule
	for rows.Next() {
		st, _, err := codec.ScanStep(rows)
		if err != nil {
			return nil, translate(err)
		}
		steps = append(steps, st)
	}
	return codec.GroupSteps(steps, f), translate(rows.Err())
}

// CancelSchedule cancels the schedule's pending steps.
func (s *Store) CancelSchedule(ctx context.Context, id string, at time.Time) (*ff.Schedule, error) {
	var out *ff.Schedule
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE schedules SET status = 'cancelled', ran_at = ?
			WHERE schedule_id = ? AND status = 'pending'`, codec.Millis(at), id)
		if err != nil {
			return err
		}
		all, err := listSchedules(ctx, tx, ff.ScheduleFilter{}, id)
		if err != nil {
			return err
		}
		if len(all) == 0 {
			return storeerr.NotFound(storeerr.Schedule, id)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, storeerr.NothingToCancel(id))
		}
		out = all[0]
		return nil
	})
	return out, err
}

// RunDueStep claims the next due step with a conditional update of its
// status, in the write transaction that also writes the flag, the event
// and the outcome: SQLite has one writer at a time, so a second process
// finds the step no longer pending.
func (s *Store) RunDueStep(ctx context.Context, now time.Time, run ff.StepRunner) (*ff.Schedule, error) {
	var due *ff.Schedule
	err := s.rawTx(ctx, func(tx *sql.Tx) error {
		var seq int
		var err error
		due, seq, err = codec.ScanStep(tx.QueryRowContext(ctx, codec.DueStepQuery("?1"), codec.Millis(now)))
		if errors.Is(err, sql.ErrNoRows) {
			due = nil
			return nil
		}
		if err != nil {
			return err
		}
		if err := claimStep(ctx, tx, due.ID, seq); err != nil {
			return err
		}
		return runStep(ctx, tx, due, seq, now, run)
	})
	return due, err
}

// errClaimed is a step another process claimed first; with one writer at
// a time it cannot happen, and it rolls the transaction back if it does.
var errClaimed = errors.New("the step was claimed by another process")

func claimStep(ctx context.Context, tx *sql.Tx, id string, seq int) error {
	res, err := tx.ExecContext(ctx, `UPDATE schedules SET status = 'running'
		WHERE schedule_id = ? AND seq = ? AND status = 'pending'`, id, seq)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(err, errClaimed)
	}
	return nil
}

// runStep reads the flag, lets run decide and writes what it decided into
// due's one step, all in tx, and moves the revision.
func runStep(ctx context.Context, tx *sql.Tx, due *ff.Schedule, seq int, now time.Time, run ff.StepRunner) error {
	f, err := findFlag(ctx, tx, due.FlagID)
	if ff.ErrorCode(err) == ff.ENOTFOUND {
		f, err = nil, nil
	}
	if err != nil {
		return err
	}
	out := run(due, f)
	if out.Flag != nil {
		c, err := codec.EncodeFlag(out.Flag)
		if err != nil {
			return err
		}
		if err := updateFlag(ctx, tx, out.Flag, c, f.Version); err != nil {
			return err
		}
	}
	if out.Event != nil {
		if err := codec.PrepareEvent(out.Event); err != nil {
			return err
		}
		if err := insertAudit(ctx, tx, out.Event); err != nil {
			return err
		}
	}
	st := codec.RecordOutcome(&due.Steps[0], out, now)
	if _, err := tx.ExecContext(ctx, `UPDATE schedules SET status = ?, reason = ?, ran_at = ?, flag_version = ?
		WHERE schedule_id = ? AND seq = ?`, st.Status, st.Reason, codec.OptMillis(st.RanAt), st.FlagVersion, due.ID, seq); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE meta SET revision = revision + 1`)
	return err
}
