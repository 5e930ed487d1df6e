package mongo

import (
	"context"
	"errors"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// claimLease is how long a step may stay claimed (running) before the
// replica that claimed it is taken to have died; running a step takes
// milliseconds.
const claimLease = time.Minute

// interruptedReason is what a step whose replica died while running it
// records: without transactions the flag's write may or may not have
// happened, and running it again could make it twice.
const interruptedReason = "interrupted: the replica running it stopped before recording the outcome; the flag's history says whether its change was made"

// maxStepAttempts bounds the re-reads of a flag that other writers
// change while a step decides on it.
const maxStepAttempts = 10

// RunDueStep claims the next due step (see claimStep), which one replica
// wins; then it writes the flag at the
// version it read (again on a newer one if another writer got in first),
// with its event, and records the outcome. A replica that dies between
// the claim and the outcome leaves the step running; after claimLease
// the next run skips it, saying so (see interruptedReason).
func (s *Store) RunDueStep(ctx context.Context, now time.Time, run ff.StepRunner) (*ff.Schedule, error) {
	if err := s.skipInterrupted(ctx, now); err != nil {
		return nil, err
	}
	d, err := s.claimStep(ctx, now)
	if d == nil || err != nil {
		return nil, err
	}
	if blocked, err := s.preceded(ctx, d); blocked || err != nil {
		s.release(ctx, d)
		return nil, err
	}
	due, err := decodeStep(d)
	if err != nil {
		s.release(ctx, d)
		return nil, err
	}
	out, err := s.decideStep(ctx, due, run)
	if err != nil {
		s.release(ctx, d)
		return nil, err
	}
	st := codec.RecordOutcome(&due.Steps[0], out, now)
	_, err = s.schedules().UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "status", Value: st.Status}, {Key: "reason", Value: st.Reason},
			{Key: "ranAt", Value: date(*st.RanAt)}, {Key: "flagVersion", Value: st.FlagVersion}}},
		{Key: "$unset", Value: bson.D{{Key: "claimedAt", Value: ""}}}})
	if err != nil {
		return nil, translate(err)
	}
	if out.Flag == nil {
		ctx = ff.WithAudit(ctx, out.Event)
		if err := prepareEvent(ctx); err != nil {
			return nil, err
		}
		s.changed(ctx)
	}
	return due, nil
}

// claimStep claims the earliest due pending step, or returns nil when
// none is due or another replica claimed it first. The claim is the
// insertion of a document whose _id is the step's into schedule_claims,
// which the unique _id lets one replica make, then a findOneAndUpdate of
// the step from pending to running (nil if it was cancelled meanwhile).
// The insertion is what makes the claim exclusive on servers whose
// updates are not atomic across connections (FerretDB reads, changes
// and writes back); on MongoDB the findOneAndUpdate alone would be.
func (s *Store) claimStep(ctx context.Context, now time.Time) (*stepDoc, error) {
	var cand stepDoc
	err := s.schedules().FindOne(ctx, duePending(now),
		options.FindOne().SetSort(bson.D{{Key: "runAt", Value: 1}, {Key: "scheduleId", Value: 1}, {Key: "seq", Value: 1}})).Decode(&cand)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	if _, err := s.claims().InsertOne(ctx, bson.D{{Key: "_id", Value: cand.ID}, {Key: "at", Value: date(now)}}); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return nil, nil
		}
		return nil, translate(err)
	}
	var d stepDoc
	err = s.schedules().FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: cand.ID}, {Key: "status", Value: ff.StepPending}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: ff.StepRunning}, {Key: "claimedAt", Value: date(now)}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		s.unclaim(ctx, cand.ID)
		return nil, translate(err)
	}
	return &d, nil
}

func duePending(now time.Time) bson.D {
	return bson.D{{Key: "status", Value: ff.StepPending}, {Key: "runAt", Value: bson.D{{Key: "$lte", Value: date(now)}}}}
}

func (s *Store) claims() *mongo.Collection { return s.db.Collection("schedule_claims") }

// unclaim removes a claim, so that the step may be claimed again.
func (s *Store) unclaim(ctx context.Context, id string) {
	ctx, cancel := detached(ctx)
	defer cancel()
	_, _ = s.claims().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
}

// preceded reports whether another step of d's flag and environment, to
// run before d, is still pending or running: a replica claimed it first
// (claims take steps in order), so d waits for it.
func (s *Store) preceded(ctx context.Context, d *stepDoc) (bool, error) {
	n, err := s.schedules().CountDocuments(ctx, bson.D{
		{Key: "flagId", Value: d.FlagID}, {Key: "environment", Value: d.Environment},
		{Key: "status", Value: bson.D{{Key: "$in", Value: bson.A{ff.StepPending, ff.StepRunning}}}},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "runAt", Value: bson.D{{Key: "$lt", Value: d.RunAt}}}},
			bson.D{{Key: "runAt", Value: d.RunAt}, {Key: "scheduleId", Value: bson.D{{Key: "$lt", Value: d.ScheduleID}}}},
			bson.D{{Key: "runAt", Value: d.RunAt}, {Key: "scheduleId", Value: d.ScheduleID}, {Key: "seq", Value: bson.D{{Key: "$lt", Value: d.Seq}}}},
		}}})
	return n > 0, translate(err)
}

// release gives a claimed step back, to run at the next attempt.
func (s *Store) release(ctx context.Context, d *stepDoc) {
	dctx, cancel := detached(ctx)
	defer cancel()
	_, err := s.schedules().UpdateOne(dctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "status", Value: ff.StepRunning}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: ff.StepPending}}}, {Key: "$unset", Value: bson.D{{Key: "claimedAt", Value: ""}}}})
	if err == nil {
		s.unclaim(ctx, d.ID)
	}
}

// skipInterrupted skips the steps claimed longer than claimLease ago.
func (s *Store) skipInterrupted(ctx context.Context, now time.Time) error {
	_, err := s.schedules().UpdateMany(ctx,
		bson.D{{Key: "status", Value: ff.StepRunning}, {Key: "claimedAt", Value: bson.D{{Key: "$lt", Value: date(now.Add(-claimLease))}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: ff.StepSkipped}, {Key: "reason", Value: interruptedReason},
			{Key: "ranAt", Value: date(now)}}}})
	return translate(err)
}

// decideStep reads the flag, lets run decide and writes the flag it
// decided on at the version read, with its event, reading again if
// another writer changed the flag in between.
func (s *Store) decideStep(ctx context.Context, due *ff.Schedule, run ff.StepRunner) (ff.StepOutcome, error) {
	for attempt := 1; ; attempt++ {
		f, err := s.FindFlag(ctx, due.FlagID)
		if ff.ErrorCode(err) == ff.ENOTFOUND {
			f, err = nil, nil
		}
		if err != nil {
			return ff.StepOutcome{}, err
		}
		out := run(due, f)
		if out.Flag == nil {
			return out, nil
		}
		err = s.UpdateFlag(ff.WithAudit(ctx, out.Event), out.Flag, f.Version)
		if code := ff.ErrorCode(err); (code == ff.EPRECONDITION || code == ff.ENOTFOUND) && attempt < maxStepAttempts {
			continue
		}
		return out, err
	}
}
