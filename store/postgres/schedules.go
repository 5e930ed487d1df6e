package postgres

import (
	"context"
	"errors"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"github.com/jackc/pgx/v5"
)

var _ ff.ScheduleStore = (*Store)(nil)

const insertStepSQL = `INSERT INTO schedules (` + codec.ScheduleColumnList + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12::jsonb, $13)`

// CreateSchedule stores s, one row per step, in one transaction.
func (s *Store) CreateSchedule(ctx context.Context, sc *ff.Schedule) error {
	return s.tx(ctx, func(tx pgx.Tx) error { return insertSchedule(ctx, tx, sc) })
}

// ApplyScheduleRequest records r applied and stores its schedule in one
// transaction.
func (s *Store) ApplyScheduleRequest(ctx context.Context, r *ff.ChangeRequest, expectVersion int64) error {
	doc, err := codec.EncodeChangeRequest(r)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, updateRequestSQL, r.ID, r.Status, r.Version, string(doc), expectVersion)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return s.missingOrStale(ctx, "change_requests", storeerr.ChangeRequest, r.ID, expectVersion)
		}
		return insertSchedule(ctx, tx, r.Schedule)
	})
}

// insertSchedule inserts sc's steps, one row each.
func insertSchedule(ctx context.Context, tx pgx.Tx, sc *ff.Schedule) error {
	for i := range sc.Steps {
		args, err := codec.StepArgs(sc, i)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, insertStepSQL, args...); err != nil {
			return err
		}
	}
	return nil
}

// ListSchedules returns the schedules f selects.
func (s *Store) ListSchedules(ctx context.Context, f ff.ScheduleFilter) ([]*ff.Schedule, error) {
	return listSchedules(ctx, s.pool, f, "")
}

// FindSchedule returns the schedule id.
func (s *Store) FindSchedule(ctx context.Context, id string) (*ff.Schedule, error) {
	out, err := listSchedules(ctx, s.pool, ff.ScheduleFilter{}, id)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, storeerr.NotFound(storeerr.Schedule, id)
	}
	return out[0], nil
}

// listSchedules reads the schedules f selects, or the one with id if set.
func listSchedules(ctx context.Context, q querier, f ff.ScheduleFilter, id string) ([]*ff.Schedule, error) {
	rows, err := q.Query(ctx, `SELECT `+codec.ScheduleColumnList+` FROM schedules
		WHERE ($1::text = '' OR flag_id = $1::text) AND ($2::text = '' OR schedule_id = $2::text)
		ORDER BY schedule_id, seq`, f.FlagID, id)
	if err != nil {
		return nil, translate(err)
	}
	steps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*ff.Schedule, error) {
		st, _, err := codec.ScanStep(row)
		return st, err
	})
	if err != nil {
		return nil, translate(err)
	}
	return codec.GroupSteps(steps, f), nil
}

// CancelSchedule cancels the schedule's pending steps; a step being run
// holds its row's lock, so cancelling waits for it and then leaves it.
func (s *Store) CancelSchedule(ctx context.Context, id string, at time.Time) (*ff.Schedule, error) {
	var out *ff.Schedule
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE schedules SET status = 'cancelled', ran_at = $1
			WHERE schedule_id = $2 AND status = 'pending'`, codec.Millis(at), id)
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
		if tag.RowsAffected() == 0 {
			return storeerr.NothingToCancel(id)
		}
		out = all[0]
		return nil
	})
	return out, err
}

// RunDueStep claims the next due step with SELECT ... FOR UPDATE SKIP
// LOCKED, so that replicas running at once each take another step (or
// none), and in the same transaction locks and writes the flag, writes
// the event and the outcome and moves the revision.
func (s *Store) RunDueStep(ctx context.Context, now time.Time, run ff.StepRunner) (*ff.Schedule, error) {
	var due *ff.Schedule
	err := s.rawTx(ctx, func(tx pgx.Tx) error {
		var seq int
		var err error
		due, seq, err = codec.ScanStep(tx.QueryRow(ctx, codec.DueStepQuery("$1")+` FOR UPDATE OF s SKIP LOCKED`, codec.Millis(now)))
		if errors.Is(err, pgx.ErrNoRows) {
			due = nil
			return nil
		}
		if err != nil {
			return err
		}
		return runStep(ctx, tx, due, seq, now, run)
	})
	return due, err
}

// runStep reads and locks the flag, lets run decide and writes what it
// decided into due's one step, all in tx, and moves the revision.
func runStep(ctx context.Context, tx pgx.Tx, due *ff.Schedule, seq int, now time.Time, run ff.StepRunner) error {
	f, err := codec.ScanFlag(tx.QueryRow(ctx, `SELECT `+flagColumns+` FROM flags WHERE id = $1 FOR UPDATE`, due.FlagID))
	if errors.Is(err, pgx.ErrNoRows) {
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
		if _, err := tx.Exec(ctx, updateFlagSQL, updateFlagArgs(out.Flag, c, f.Version)...); err != nil {
			return err
		}
	}
	if out.Event != nil {
		if err := codec.PrepareEvent(out.Event); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, insertAuditSQL, codec.AuditArgs(out.Event)...); err != nil {
			return err
		}
	}
	st := codec.RecordOutcome(&due.Steps[0], out, now)
	if _, err := tx.Exec(ctx, `UPDATE schedules SET status = $1, reason = $2, ran_at = $3, flag_version = $4
		WHERE schedule_id = $5 AND seq = $6`, st.Status, st.Reason, codec.OptMillis(st.RanAt), st.FlagVersion, due.ID, seq); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, bumpRevision+notifyRevision)
	return err
}
