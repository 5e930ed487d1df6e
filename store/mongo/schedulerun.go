package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Running a step writes the step's document, the flag's and the audit
// events, and MongoDB gives no transaction around them. So a step runs as
// the apply of a change request does (applyrequest.go), in conditional
// steps:
//
//  1. claim: a document keyed by the step is inserted into
//     schedule_claims (one replica can), then the step moves from pending
//     to running, holding the claim's id;
//  2. when the runner changes the flag, the write is recorded in the step
//     ("writing": the flag's new document, which carries the write's id as
//     its mark, the version it replaces, the events, the time); the flag
//     keeps the mark through later updates, toggles and steps (see
//     flagDoc.StepWrites);
//  3. the flag is written, if still at that version;
//  4. the events are recorded, then the outcome (done), if the step still
//     holds the claim.
//
// A replica that stops part way leaves the step running. Once its claim is
// older than claimLease, the next RunDueStep, on any replica, settles it:
// a flag carrying the write's mark, or an event of the write recorded,
// means the write was made, and step 4 is finished; a flag still at the
// version the write replaces is written now (step 3, the same conditional
// write, so a replica that was only slow and the settler make it once),
// then step 4; otherwise the write was not made (none recorded, the flag
// changed by another writer or deleted, the write refused) and the step is
// put back to pending, its claim removed, to run again on the flag as it
// is. Every settling write is conditional on the claim or idempotent, so
// replicas settling at once record one outcome.
//
// One case stays undecided: the flag written, its replica stopped before
// recording the events, and the flag then replaced by a write that does
// not keep the mark (the apply of a change request, an import) or deleted
// before the claim runs out. The step then runs again on the flag as that
// write left it.

// claimLease is how long a step may stay claimed (running) before the
// replica that claimed it is taken to have stopped; running a step takes
// milliseconds.
const claimLease = time.Minute

// interruptedReason is what a step records whose claim, made by a version
// before claim ids and recorded writes, ran out: the flag's write may or
// may not have happened, and running it again could make it twice.
const interruptedReason = "interrupted: the replica running it stopped before recording the outcome; the flag's history says whether its change was made"

// maxStepAttempts bounds the re-reads of a flag that other writers
// change while a step decides on it.
const maxStepAttempts = 10

// The points of a step's run where SetInterrupt's function is called:
// once the step is claimed, once its write is recorded (before the flag's)
// and, PointFlagWritten, once the flag is written (before the events).
const (
	PointStepClaimed = "step claimed"
	PointStepWriting = "step writing"
)

// errClaimLost: the step was settled by another replica while this one
// ran it (its claim had run out).
var errClaimLost = errors.New("store: the step's claim was settled by another replica")

// stepWriteDoc is a running step's write of its flag (step 2 above).
type stepWriteDoc struct {
	ID          string        `bson:"id"`          // the write's mark (in flagDoc.StepWrites)
	Flag        *flagDoc      `bson:"flag"`        // the flag as written, carrying the mark
	FromVersion int64         `bson:"fromVersion"` // the flag's version it replaces
	Events      string        `bson:"events"`      // the audit events, JSON
	RanAt       bson.DateTime `bson:"ranAt"`
}

// RunDueStep settles the steps whose claim ran out, then claims the next
// due step and runs it, in the steps above.
func (s *Store) RunDueStep(ctx context.Context, now time.Time, run ff.StepRunner) (*ff.Schedule, error) {
	if err := s.settleStale(ctx, now); err != nil {
		return nil, err
	}
	d, err := s.claimStep(ctx, now)
	if d == nil || err != nil {
		return nil, err
	}
	if err := s.at(PointStepClaimed); err != nil {
		return nil, err
	}
	if blocked, err := s.preceded(ctx, d); blocked || err != nil {
		_ = s.release(ctx, d)
		return nil, err
	}
	due, err := decodeStep(d)
	if err != nil {
		_ = s.release(ctx, d)
		return nil, err
	}
	out, w, err := s.decideStep(ctx, d, due, run, now)
	if errors.Is(err, errClaimLost) {
		return nil, nil
	}
	if err != nil {
		if w == nil || refused(err) {
			_ = s.release(ctx, d)
		} // else the write may have been made: settled once the claim runs out
		return nil, err
	}
	codec.RecordOutcome(&due.Steps[0], out, now)
	if w != nil {
		if err := s.at(PointFlagWritten); err != nil {
			return nil, err
		}
		return due, s.finishWrite(ctx, d, w)
	}
	if ok, err := s.recordOutcome(ctx, d, &due.Steps[0]); !ok || err != nil {
		return nil, err
	}
	ctx = ff.WithAudit(ctx, out.Event)
	if err := prepareEvent(ctx); err != nil {
		return nil, err
	}
	s.changed(ctx)
	return due, nil
}

// refused reports whether err is a refusal of a write, which made nothing,
// rather than a failure that leaves unknown whether it was made.
func refused(err error) bool {
	code := ff.ErrorCode(err)
	return code != ff.EINTERNAL && code != ff.EUNAVAILABLE
}

// claimStep claims the earliest due pending step, or returns nil when
// none is due or another replica claimed it first (step 1). The insertion
// of the claim document is what makes the claim exclusive on servers
// whose updates are not atomic across connections (FerretDB reads,
// changes and writes back); on MongoDB the findOneAndUpdate alone would be.
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
	claim := ff.NewID()
	if ok, err := s.insertClaim(ctx, cand.ID, claim, now); !ok || err != nil {
		return nil, err
	}
	var d stepDoc
	err = s.schedules().FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: cand.ID}, {Key: "status", Value: ff.StepPending}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: ff.StepRunning}, {Key: "claimedAt", Value: date(now)},
			{Key: "claim", Value: claim}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		s.unclaim(ctx, cand.ID, claim)
		return nil, translate(err)
	}
	return &d, nil
}

// insertClaim inserts the claim document of the pending step id, or
// reports false if another replica holds it. A claim document older than
// claimLease on a step still pending was left by a replica that stopped
// before moving the step to running: it is removed and the insert tried
// again.
func (s *Store) insertClaim(ctx context.Context, id, claim string, now time.Time) (bool, error) {
	doc := bson.D{{Key: "_id", Value: id}, {Key: "at", Value: date(now)}, {Key: "claim", Value: claim}}
	for attempt := 1; ; attempt++ {
		_, err := s.claims().InsertOne(ctx, doc)
		if err == nil {
			return true, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return false, translate(err)
		}
		if attempt == 2 {
			return false, nil
		}
		res, err := s.claims().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "at", Value: bson.D{{Key: "$lt", Value: date(now.Add(-claimLease))}}}})
		if err != nil || res.DeletedCount == 0 {
			return false, translate(err)
		}
	}
}

func duePending(now time.Time) bson.D {
	return bson.D{{Key: "status", Value: ff.StepPending}, {Key: "runAt", Value: bson.D{{Key: "$lte", Value: date(now)}}}}
}

func (s *Store) claims() *mongo.Collection { return s.db.Collection("schedule_claims") }

// unclaim removes the claim document of the step id, if it is claim's.
func (s *Store) unclaim(ctx context.Context, id, claim string) {
	ctx, cancel := detached(ctx)
	defer cancel()
	_, _ = s.claims().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "claim", Value: claim}})
}

// claimed filters the step d while it still holds its claim.
func (d *stepDoc) claimed() bson.D {
	return bson.D{{Key: "_id", Value: d.ID}, {Key: "status", Value: ff.StepRunning}, {Key: "claim", Value: d.Claim}}
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

// release gives the claimed step d back, pending, its write forgotten, to
// run at the next attempt. Its claim document goes first: stopped between
// the two, the step is still running, settled once the claim runs out.
func (s *Store) release(ctx context.Context, d *stepDoc) error {
	s.unclaim(ctx, d.ID, d.Claim)
	dctx, cancel := detached(ctx)
	defer cancel()
	_, err := s.schedules().UpdateOne(dctx, d.claimed(), bson.D{
		{Key: "$set", Value: bson.D{{Key: "status", Value: ff.StepPending}}},
		{Key: "$unset", Value: bson.D{{Key: "claimedAt", Value: ""}, {Key: "claim", Value: ""}, {Key: "writing", Value: ""}}}})
	return translate(err)
}

// recordOutcome records st, the outcome of the step d, if d still holds
// its claim; false if it does not (another replica settled it).
func (s *Store) recordOutcome(ctx context.Context, d *stepDoc, st *ff.ScheduleStep) (bool, error) {
	res, err := s.schedules().UpdateOne(ctx, d.claimed(), bson.D{
		{Key: "$set", Value: bson.D{{Key: "status", Value: st.Status}, {Key: "reason", Value: st.Reason},
			{Key: "ranAt", Value: date(*st.RanAt)}, {Key: "flagVersion", Value: st.FlagVersion}}},
		{Key: "$unset", Value: bson.D{{Key: "claimedAt", Value: ""}, {Key: "claim", Value: ""}, {Key: "writing", Value: ""}}}})
	if err != nil {
		return false, translate(err)
	}
	return res.MatchedCount == 1, nil
}

// decideStep reads the flag and lets run decide; when run changes the
// flag, it records the write in d and makes it at the version read (steps
// 2 and 3), reading again if another writer changed the flag in between.
// w is the write recorded, if it may have been made.
func (s *Store) decideStep(ctx context.Context, d *stepDoc, due *ff.Schedule, run ff.StepRunner, now time.Time) (out ff.StepOutcome, w *stepWriteDoc, err error) {
	for attempt := 1; ; attempt++ {
		f, err := s.FindFlag(ctx, due.FlagID)
		if ff.ErrorCode(err) == ff.ENOTFOUND {
			f, err = nil, nil
		}
		if err != nil {
			return ff.StepOutcome{}, nil, err
		}
		out = run(due, f)
		if out.Flag == nil {
			return out, nil, nil
		}
		if w, err = s.recordWrite(ctx, d, out, f.Version, now); err != nil {
			return out, nil, err
		}
		if err := s.at(PointStepWriting); err != nil {
			return out, w, err
		}
		err = s.writeStepFlag(ctx, w)
		if code := ff.ErrorCode(err); (code == ff.EPRECONDITION || code == ff.ENOTFOUND) && attempt < maxStepAttempts {
			continue
		}
		return out, w, err
	}
}

// recordWrite records in the claimed step d its write of out's flag over
// version from (step 2).
func (s *Store) recordWrite(ctx context.Context, d *stepDoc, out ff.StepOutcome, from int64, now time.Time) (*stepWriteDoc, error) {
	ctx = ff.WithAudit(ctx, out.Event)
	if err := prepareEvent(ctx); err != nil {
		return nil, err
	}
	events, err := json.Marshal(ff.AuditEventsFrom(ctx))
	if err != nil {
		return nil, err
	}
	fd, err := encodeFlag(out.Flag)
	if err != nil {
		return nil, err
	}
	w := &stepWriteDoc{ID: ff.NewID(), Flag: fd, FromVersion: from, Events: string(events), RanAt: date(now)}
	fd.StepWrites = []string{w.ID}
	res, err := s.schedules().UpdateOne(ctx, d.claimed(), bson.D{{Key: "$set", Value: bson.D{{Key: "writing", Value: w}}}})
	if err != nil {
		return nil, translate(err)
	}
	if res.MatchedCount == 0 {
		return nil, errClaimLost
	}
	return w, nil
}

// writeStepFlag is step 3: it writes w's flag if the flag is at the
// version w replaces, as UpdateFlag does.
func (s *Store) writeStepFlag(ctx context.Context, w *stepWriteDoc) error {
	f, err := decodeFlag(w.Flag)
	if err != nil {
		return err
	}
	return s.replaceFlag(ctx, f, w.Flag, w.FromVersion)
}

// finishWrite is step 4, once w's flag is written: it records the events
// (again, should an earlier attempt have: their ids make them once), then
// the outcome if d still holds its claim, and moves the revision.
func (s *Store) finishWrite(ctx context.Context, d *stepDoc, w *stepWriteDoc) error {
	var events []*ff.AuditEvent
	if err := json.Unmarshal([]byte(w.Events), &events); err != nil {
		return err
	}
	s.record(ff.WithAuditEvents(ctx, events))
	ranAt := fromDate(w.RanAt)
	ok, err := s.recordOutcome(ctx, d, &ff.ScheduleStep{Status: ff.StepDone, RanAt: &ranAt, FlagVersion: w.Flag.Version})
	if ok {
		s.bump(ctx)
	}
	return err
}

// settleStale settles the steps claimed longer than claimLease ago, whose
// replica is taken to have stopped (settling along with one that is only
// slow is harmless, see above).
func (s *Store) settleStale(ctx context.Context, now time.Time) error {
	stale := bson.D{{Key: "status", Value: ff.StepRunning}, {Key: "claimedAt", Value: bson.D{{Key: "$lt", Value: date(now.Add(-claimLease))}}}}
	_, err := s.schedules().UpdateMany(ctx, append(stale, bson.E{Key: "claim", Value: bson.D{{Key: "$exists", Value: false}}}),
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: ff.StepSkipped}, {Key: "reason", Value: interruptedReason},
			{Key: "ranAt", Value: date(now)}}}})
	if err != nil {
		return translate(err)
	}
	var steps []stepDoc
	cur, err := s.schedules().Find(ctx, stale)
	if err == nil {
		err = cur.All(ctx, &steps)
	}
	if err != nil {
		return translate(err)
	}
	for i := range steps {
		if err := s.settleStep(ctx, &steps[i]); err != nil {
			return err
		}
	}
	return nil
}

// settleStep finishes the running step d whose write was made, making it
// first if the flag is still at the version it replaces, or else puts d
// back to pending.
func (s *Store) settleStep(ctx context.Context, d *stepDoc) error {
	w := d.Writing
	if w == nil {
		return s.release(ctx, d)
	}
	made, err := s.stepWritten(ctx, w)
	if err == nil && !made {
		if err = s.writeStepFlag(ctx, w); err == nil {
			made = true
		} else if refused(err) {
			made, err = s.stepWritten(ctx, w) // by a settler racing, or the replica late
		}
	}
	if err != nil {
		return err
	}
	if !made {
		return s.release(ctx, d)
	}
	return s.finishWrite(ctx, d, w)
}

// stepWritten reports whether w was made: the flag carries its mark, or
// one of its events was recorded (which follows the write).
func (s *Store) stepWritten(ctx context.Context, w *stepWriteDoc) (bool, error) {
	var cur struct {
		StepWrites []string `bson:"stepWrites"`
	}
	err := s.flags.FindOne(ctx, bson.D{{Key: "_id", Value: w.Flag.ID}},
		options.FindOne().SetProjection(bson.D{{Key: "stepWrites", Value: 1}})).Decode(&cur)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return false, translate(err)
	}
	if slices.Contains(cur.StepWrites, w.ID) {
		return true, nil
	}
	var events []*ff.AuditEvent
	if err := json.Unmarshal([]byte(w.Events), &events); err != nil || len(events) == 0 {
		return false, err
	}
	ids := bson.A{}
	for _, ev := range events {
		ids = append(ids, ev.ID)
	}
	n, err := s.audit.CountDocuments(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	return n > 0, translate(err)
}
