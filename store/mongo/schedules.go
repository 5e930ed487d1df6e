package mongo

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

var _ ff.ScheduleStore = (*Store)(nil)

// stepDoc is one step of a schedule, a document of the schedules
// collection; _id is "<schedule id>/<seq>".
type stepDoc struct {
	ID          string         `bson:"_id"`
	ScheduleID  string         `bson:"scheduleId"`
	Seq         int            `bson:"seq"`
	FlagID      string         `bson:"flagId"`
	FlagName    string         `bson:"flagName"`
	Environment string         `bson:"environment"`
	RunAt       bson.DateTime  `bson:"runAt"`
	Change      string         `bson:"change"` // JSON
	Status      string         `bson:"status"`
	Reason      string         `bson:"reason"`
	RanAt       *bson.DateTime `bson:"ranAt,omitempty"`
	FlagVersion int64          `bson:"flagVersion"`
	CreatedBy   actorDoc       `bson:"createdBy"`
	CreatedAt   bson.DateTime  `bson:"createdAt"`
	ClaimedAt   *bson.DateTime `bson:"claimedAt,omitempty"`
	// Claim identifies the claim of a running step (its document in
	// schedule_claims holds it too); absent on steps claimed by versions
	// before it (see settleStale).
	Claim string `bson:"claim,omitempty"`
	// Writing is the flag's write a running step is making (see
	// schedulerun.go).
	Writing *stepWriteDoc `bson:"writing,omitempty"`
}

func (s *Store) schedules() *mongo.Collection { return s.db.Collection("schedules") }

func encodeStep(sc *ff.Schedule, i int) (*stepDoc, error) {
	st := &sc.Steps[i]
	change, err := json.Marshal(st.Change)
	if err != nil {
		return nil, err
	}
	d := &stepDoc{ID: sc.ID + "/" + strconv.Itoa(i), ScheduleID: sc.ID, Seq: i, FlagID: sc.FlagID, FlagName: sc.FlagName,
		Environment: sc.Environment, RunAt: date(st.RunAt), Change: string(change), Status: st.Status,
		Reason: st.Reason, FlagVersion: st.FlagVersion, CreatedBy: actorDoc(sc.CreatedBy), CreatedAt: date(sc.CreatedAt)}
	if st.RanAt != nil {
		t := date(*st.RanAt)
		d.RanAt = &t
	}
	return d, nil
}

// decodeStep returns d as a schedule holding its one step.
func decodeStep(d *stepDoc) (*ff.Schedule, error) {
	st := ff.ScheduleStep{RunAt: fromDate(d.RunAt), Status: d.Status, Reason: d.Reason, FlagVersion: d.FlagVersion}
	if err := json.Unmarshal([]byte(d.Change), &st.Change); err != nil {
		return nil, err
	}
	if d.RanAt != nil {
		t := fromDate(*d.RanAt)
		st.RanAt = &t
	}
	return &ff.Schedule{ID: d.ScheduleID, FlagID: d.FlagID, FlagName: d.FlagName, Environment: d.Environment,
		CreatedBy: ff.Actor(d.CreatedBy), CreatedAt: fromDate(d.CreatedAt), Steps: []ff.ScheduleStep{st}}, nil
}

// CreateSchedule inserts s's steps.
func (s *Store) CreateSchedule(ctx context.Context, sc *ff.Schedule) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	if err := s.insertSchedule(ctx, sc); err != nil {
		return err
	}
	s.changed(ctx)
	return nil
}

// ApplyScheduleRequest records r and inserts its schedule in the three
// steps of ApplyChangeRequest, the schedule's insert standing for the
// flag's write, so that an apply stopped part way is finished by whoever
// reads the request or the schedules next.
func (s *Store) ApplyScheduleRequest(ctx context.Context, r *ff.ChangeRequest, expectVersion int64) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	req, err := encodeRequest(r)
	if err != nil {
		return err
	}
	events, err := json.Marshal(ff.AuditEventsFrom(ctx))
	if err != nil {
		return err
	}
	a := &applyingDoc{Request: req, FlagID: r.FlagID, OpenVersion: expectVersion, Events: string(events), Schedule: true}
	if err := s.claimApply(ctx, r.ID, expectVersion, a); err != nil {
		return err
	}
	if err := s.at(PointRequestClaimed); err != nil {
		return err
	}
	return s.settleSchedule(ctx, r.ID, a)
}

// settleSchedule takes the claimed apply a of the request to schedule id
// to its end: a schedule can always be stored (its steps check the flag
// when they run), so it is never undone. Its steps are inserted one by
// one, those there already (a settler before) left as they are; an error
// leaves the claim for the next reader to settle.
func (s *Store) settleSchedule(ctx context.Context, id string, a *applyingDoc) error {
	r, err := decodeRequest(a.Request)
	if err != nil {
		return err
	}
	for i := range r.Schedule.Steps {
		d, err := encodeStep(r.Schedule, i)
		if err != nil {
			return err
		}
		if _, err := s.schedules().InsertOne(ctx, d); err != nil && !mongo.IsDuplicateKeyError(err) {
			return translate(err)
		}
	}
	if err := s.at(PointScheduleInserted); err != nil {
		return err
	}
	return s.finishApply(ctx, id, a)
}

// insertSchedule inserts sc's steps with one insertMany; should it fail
// part way, the steps it inserted are deleted again.
func (s *Store) insertSchedule(ctx context.Context, sc *ff.Schedule) error {
	docs := make([]any, len(sc.Steps))
	for i := range sc.Steps {
		d, err := encodeStep(sc, i)
		if err != nil {
			return err
		}
		docs[i] = d
	}
	if _, err := s.schedules().InsertMany(ctx, docs); err != nil {
		s.undo(ctx, func(ctx context.Context) error {
			_, err := s.schedules().DeleteMany(ctx, bson.D{{Key: "scheduleId", Value: sc.ID}})
			return err
		})
		return translate(err)
	}
	return nil
}

// ListSchedules returns the schedules f selects.
func (s *Store) ListSchedules(ctx context.Context, f ff.ScheduleFilter) ([]*ff.Schedule, error) {
	filter := bson.D{}
	if f.FlagID != "" {
		filter = bson.D{{Key: "flagId", Value: f.FlagID}}
	}
	return s.listSchedules(ctx, filter, f)
}

func (s *Store) listSchedules(ctx context.Context, filter bson.D, f ff.ScheduleFilter) ([]*ff.Schedule, error) {
	if err := s.settleAll(ctx); err != nil { // a schedule's apply left part way
		return nil, err
	}
	steps, err := findAll(ctx, s.schedules(), filter, decodeStep,
		options.Find().SetSort(bson.D{{Key: "scheduleId", Value: 1}, {Key: "seq", Value: 1}}))
	if err != nil {
		return nil, err
	}
	return codec.GroupSteps(steps, f), nil
}

// FindSchedule returns the schedule id.
func (s *Store) FindSchedule(ctx context.Context, id string) (*ff.Schedule, error) {
	out, err := s.listSchedules(ctx, bson.D{{Key: "scheduleId", Value: id}}, ff.ScheduleFilter{})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, storeerr.NotFound(storeerr.Schedule, id)
	}
	return out[0], nil
}

// CancelSchedule cancels the schedule's pending steps with one
// updateMany filtered on their state: a step claimed meanwhile is left
// to run.
func (s *Store) CancelSchedule(ctx context.Context, id string, at time.Time) (*ff.Schedule, error) {
	if err := prepareEvent(ctx); err != nil {
		return nil, err
	}
	res, err := s.schedules().UpdateMany(ctx,
		bson.D{{Key: "scheduleId", Value: id}, {Key: "status", Value: ff.StepPending}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: ff.StepCancelled}, {Key: "ranAt", Value: date(at)}}}})
	if err != nil {
		return nil, translate(err)
	}
	sc, err := s.FindSchedule(ctx, id)
	if err != nil {
		return nil, err
	}
	if res.ModifiedCount == 0 {
		return nil, storeerr.NothingToCancel(id)
	}
	s.changed(ctx)
	return sc, nil
}
