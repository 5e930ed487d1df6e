package mongo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Applying a change request writes two documents, the request's and the
// flag's, and MongoDB gives no transaction around them. So an apply is
// made in three steps, each one conditional write:
//
//  1. claim: the request, still at its version, takes that of the applied
//     request and records in "applying" everything the apply makes (the
//     applied request, the flag's new document, the version it replaces,
//     the audit events);
//  2. the flag is written, if still at the version the change was proposed
//     on;
//  3. the request becomes the applied request, "applying" gone, and the
//     events are recorded.
//
// Should the replica applying stop between the steps, whoever reads the
// request next (FindChangeRequest, ListChangeRequests) settles it from the
// flag alone: a flag still at the version the change replaces is written
// and the apply finished; a flag already as the change makes it is the
// apply's own write, finished; a flag changed otherwise cannot take the
// change, and the claim is undone, the request open as before with its
// approvals (it then shows the conflict). Every step is conditional, so the
// applier and a reader settling at the same time agree.

// applyingDoc is what a claimed apply makes.
type applyingDoc struct {
	Request     *requestDoc `bson:"request"`        // the request as applied
	Flag        *flagDoc    `bson:"flag,omitempty"` // the flag's new document; nil deletes it
	FlagID      string      `bson:"flagId"`
	FromVersion int64       `bson:"fromVersion"` // the flag's version the change replaces
	OpenVersion int64       `bson:"openVersion"` // the request's version before the claim
	Events      string      `bson:"events"`      // the audit events, JSON
	// Schedule marks the apply of a request to schedule: it inserts the
	// request's schedule and writes no flag (see settleSchedule).
	Schedule bool `bson:"schedule,omitempty"`
}

// The points between an apply's steps, where SetInterrupt's function is
// called.
const (
	PointRequestClaimed = "request claimed"
	PointFlagWritten    = "flag written"
	// PointScheduleInserted follows step 2 of a request to schedule.
	PointScheduleInserted = "schedule inserted"
)

// SetInterrupt makes every later multi-step write call f at each point
// between its steps (PointRequestClaimed, PointFlagWritten,
// PointScheduleInserted, PointTurnEnding, PointStepClaimed,
// PointStepWriting); an error from
// f stops the write there, nothing after it runs, as if the replica had
// died. Tests use it to check that what a stopped write leaves is settled.
func (s *Store) SetInterrupt(f func(point string) error) { s.interrupt = f }

// at calls the interrupt function, if any, at point.
func (s *Store) at(point string) error {
	if s.interrupt == nil {
		return nil
	}
	return s.interrupt(point)
}

// ApplyChangeRequest records r and makes its change to the flag, in the
// three steps above.
func (s *Store) ApplyChangeRequest(ctx context.Context, r *ff.ChangeRequest, expectVersion int64) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	a, err := newApplying(ctx, r, expectVersion)
	if err != nil {
		return err
	}
	if r.After != nil {
		if err := s.requireSegments(ctx, "targeting", r.After.SegmentRefs()); err != nil {
			return err
		}
	}
	// A flag changed meanwhile, the usual refusal, is refused before the
	// claim. The new flag carries the step-write marks of the one it
	// replaces (schedulerun.go), as an update does: a flag's marks change
	// only with its version, which the write is conditional on.
	marks, err := s.marksAt(ctx, r.FlagID, r.Before.Version)
	if err != nil {
		return err
	}
	if a.Flag != nil {
		a.Flag.StepWrites = carryMarks(marks, nil)
	}
	if err := s.claimApply(ctx, r.ID, expectVersion, a); err != nil {
		return err
	}
	if err := s.at(PointRequestClaimed); err != nil {
		return err
	}
	done, err := s.settle(ctx, r.ID, a)
	if err != nil {
		return err
	}
	if !done {
		return missingOrStale(ctx, s.flags, storeerr.Flag, r.FlagID, r.Before.Version)
	}
	return nil
}

// newApplying is what applying r, at expectVersion, makes.
func newApplying(ctx context.Context, r *ff.ChangeRequest, expectVersion int64) (*applyingDoc, error) {
	req, err := encodeRequest(r)
	if err != nil {
		return nil, err
	}
	events, err := json.Marshal(ff.AuditEventsFrom(ctx))
	if err != nil {
		return nil, err
	}
	a := &applyingDoc{Request: req, FlagID: r.FlagID, FromVersion: r.Before.Version, OpenVersion: expectVersion, Events: string(events)}
	if r.After != nil {
		if a.Flag, err = encodeFlag(r.After); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// claimApply is step 1: the request id, at expectVersion and not being
// applied, records a and takes the applied request's version.
func (s *Store) claimApply(ctx context.Context, id string, expectVersion int64, a *applyingDoc) error {
	filter := append(byID(id, expectVersion), bson.E{Key: "applying", Value: bson.D{{Key: "$exists", Value: false}}})
	res, err := s.requests.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{
		{Key: "version", Value: a.Request.Version}, {Key: "applying", Value: a}}}})
	if err != nil {
		return translate(err)
	}
	if res.MatchedCount == 0 {
		return missingOrStale(ctx, s.requests, storeerr.ChangeRequest, id, expectVersion)
	}
	return nil
}

// settle takes the claimed apply a of the request id to its end from the
// flag as it is (steps 2 and 3), or undoes the claim when the flag changed
// otherwise; done reports whether the change was made. Whoever settles,
// the request is no longer being applied after.
func (s *Store) settle(ctx context.Context, id string, a *applyingDoc) (done bool, err error) {
	if a.Schedule {
		return true, s.settleSchedule(ctx, id, a)
	}
	made, err := s.flagMade(ctx, a)
	if err != nil {
		return false, err
	}
	if !made {
		if made, err = s.writeApplied(ctx, a); err != nil {
			return false, errors.Join(err, s.undoClaim(ctx, id, a))
		}
	}
	if !made {
		return false, s.undoClaim(ctx, id, a)
	}
	if err := s.at(PointFlagWritten); err != nil {
		return false, err
	}
	return true, s.finishApply(ctx, id, a)
}

// flagMade reports whether the flag is as a makes it: written (or deleted)
// by a's apply.
func (s *Store) flagMade(ctx context.Context, a *applyingDoc) (bool, error) {
	var cur flagDoc
	err := s.flags.FindOne(ctx, bson.D{{Key: "_id", Value: a.FlagID}}).Decode(&cur)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return a.Flag == nil, nil
	}
	if err != nil || a.Flag == nil || cur.Version != a.Flag.Version {
		return false, translate(err)
	}
	have, err := bson.Marshal(cur)
	if err != nil {
		return false, err
	}
	want, err := bson.Marshal(a.Flag)
	return err == nil && bytes.Equal(have, want), err
}

// writeApplied is step 2: it writes a's flag, or deletes the flag, if the
// flag is at the version a replaces; false if it is not. A segment the new
// flag names that was deleted meanwhile puts the flag back (as every flag
// write here checks after writing) and refuses.
func (s *Store) writeApplied(ctx context.Context, a *applyingDoc) (bool, error) {
	filter := byID(a.FlagID, a.FromVersion)
	if a.Flag == nil {
		res, err := s.flags.DeleteOne(ctx, filter)
		return err == nil && res.DeletedCount == 1, translate(err)
	}
	var old flagDoc
	err := s.flags.FindOneAndReplace(ctx, filter, a.Flag).Decode(&old)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, translate(err)
	}
	r, err := decodeRequest(a.Request)
	if err == nil {
		err = s.requireSegments(ctx, "targeting", r.After.SegmentRefs())
	}
	if err != nil {
		s.undoReplace(ctx, s.flags, a.FlagID, a.Flag.Version, &old)
		return false, err
	}
	return true, nil
}

// finishApply is step 3: the request becomes the applied one, if it is
// still being applied, and the first to get there records the events and
// moves the revision.
func (s *Store) finishApply(ctx context.Context, id string, a *applyingDoc) error {
	res, err := s.requests.ReplaceOne(ctx, claimed(id), a.Request)
	if err != nil || res.MatchedCount == 0 {
		return translate(err) // another reader settled it
	}
	var events []*ff.AuditEvent
	if err := json.Unmarshal([]byte(a.Events), &events); err != nil {
		return err
	}
	s.changed(ff.WithAuditEvents(ctx, events))
	return nil
}

// undoClaim puts the request id back as it was before the claim a.
func (s *Store) undoClaim(ctx context.Context, id string, a *applyingDoc) error {
	_, err := s.requests.UpdateOne(ctx, claimed(id), bson.D{
		{Key: "$set", Value: bson.D{{Key: "version", Value: a.OpenVersion}}},
		{Key: "$unset", Value: bson.D{{Key: "applying", Value: ""}}}})
	return translate(err)
}

// claimed filters the request id while it is being applied.
func claimed(id string) bson.D {
	return bson.D{{Key: "_id", Value: id}, {Key: "applying", Value: bson.D{{Key: "$exists", Value: true}}}}
}

// settleAll settles every apply left claimed (by a replica that stopped,
// or still going: settling with it is harmless), before requests are read.
func (s *Store) settleAll(ctx context.Context) error {
	var stuck []requestDoc
	cur, err := s.requests.Find(ctx, bson.D{{Key: "applying", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil {
		return translate(err)
	}
	if err := cur.All(ctx, &stuck); err != nil {
		return translate(err)
	}
	for _, d := range stuck {
		if _, err := s.settle(ctx, d.ID, d.Applying); err != nil {
			return err
		}
	}
	return nil
}
