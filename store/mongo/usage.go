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

var _ ff.UsageStore = (*Store)(nil)

// usageKey is a usage bucket's _id: the bucket's identity, so that adding
// to a bucket is one upsert that $inc makes safe against concurrent adds.
type usageKey struct {
	Flag        string `bson:"f"`
	Environment string `bson:"e"`
	Hour        int64  `bson:"h"` // Unix seconds
	Variant     string `bson:"v"`
	Reason      string `bson:"r"`
	ErrorCode   string `bson:"c"`
}

type usageDoc struct {
	ID    usageKey `bson:"_id"`
	Count int64    `bson:"n"`
}

func (d *usageDoc) bucket() (ff.UsageBucket, error) {
	k := d.ID
	return ff.UsageBucket{FlagID: k.Flag, Environment: k.Environment, Hour: time.Unix(k.Hour, 0).UTC(),
		Variant: k.Variant, Reason: k.Reason, ErrorCode: k.ErrorCode, Count: d.Count}, nil
}

func (s *Store) usage() *mongo.Collection { return s.db.Collection("usage") }

// AddUsage adds the buckets' counts with one unordered bulk of upserts. It
// neither writes an audit event nor moves the revision. Two replicas
// creating the same bucket at once can make one upsert fail on the
// duplicate _id; the bulk is then sent again for what did not apply.
func (s *Store) AddUsage(ctx context.Context, buckets []ff.UsageBucket) error {
	merged := codec.MergeUsage(buckets)
	if len(merged) == 0 {
		return nil
	}
	models := make([]mongo.WriteModel, len(merged))
	for i, b := range merged {
		key := usageKey{b.FlagID, b.Environment, b.Hour.Unix(), b.Variant, b.Reason, b.ErrorCode}
		models[i] = mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: key}}).
			SetUpdate(bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: b.Count}}}}).SetUpsert(true)
	}
	for attempt := 0; ; attempt++ {
		_, err := s.usage().BulkWrite(ctx, models, options.BulkWrite().SetOrdered(false))
		failed := duplicateWrites(err)
		if err == nil || failed == nil || attempt == 2 {
			return translate(err)
		}
		models = pick(models, failed)
	}
}

// duplicateWrites returns the indexes of the writes of a bulk that failed
// on a duplicate key, or nil when any failed otherwise.
func duplicateWrites(err error) []int {
	var bwe mongo.BulkWriteException
	if err == nil || !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return nil
	}
	var idx []int
	for _, we := range bwe.WriteErrors {
		if !mongo.IsDuplicateKeyError(we) {
			return nil
		}
		idx = append(idx, we.Index)
	}
	return idx
}

func pick[T any](all []T, idx []int) []T {
	out := make([]T, len(idx))
	for i, j := range idx {
		out[i] = all[j]
	}
	return out
}

// Usage returns the buckets f selects.
func (s *Store) Usage(ctx context.Context, f ff.UsageFilter) ([]ff.UsageBucket, error) {
	filter := bson.D{}
	if f.FlagID != "" {
		filter = append(filter, bson.E{Key: "_id.f", Value: f.FlagID})
	}
	if f.Environment != "" {
		filter = append(filter, bson.E{Key: "_id.e", Value: f.Environment})
	}
	hour := bson.D{}
	if !f.Since.IsZero() {
		hour = append(hour, bson.E{Key: "$gte", Value: ff.UsageHour(f.Since).Unix()})
	}
	if !f.Until.IsZero() {
		hour = append(hour, bson.E{Key: "$lt", Value: f.Until.Unix()})
	}
	if len(hour) > 0 {
		filter = append(filter, bson.E{Key: "_id.h", Value: hour})
	}
	sort := bson.D{{Key: "_id.h", Value: 1}, {Key: "_id.e", Value: 1}, {Key: "_id.v", Value: 1},
		{Key: "_id.r", Value: 1}, {Key: "_id.c", Value: 1}, {Key: "_id.f", Value: 1}}
	return findAll(ctx, s.usage(), filter, (*usageDoc).bucket, options.Find().SetSort(sort))
}

// LastUsage returns every flag and environment's latest hour of usage.
// FerretDB has no $max accumulator, so the keys are read newest hour first
// per flag and environment, keeping the first of each.
func (s *Store) LastUsage(ctx context.Context) ([]ff.UsageBucket, error) {
	sort := bson.D{{Key: "_id.f", Value: 1}, {Key: "_id.e", Value: 1}, {Key: "_id.h", Value: -1}}
	cur, err := s.usage().Find(ctx, bson.D{}, options.Find().SetSort(sort).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, translate(err)
	}
	defer cur.Close(ctx)
	var out []ff.UsageBucket
	for cur.Next(ctx) {
		var d usageDoc
		if err := cur.Decode(&d); err != nil {
			return nil, translate(err)
		}
		if n := len(out); n > 0 && out[n-1].FlagID == d.ID.Flag && out[n-1].Environment == d.ID.Environment {
			continue
		}
		out = append(out, ff.UsageBucket{FlagID: d.ID.Flag, Environment: d.ID.Environment, Hour: time.Unix(d.ID.Hour, 0).UTC()})
	}
	return out, translate(cur.Err())
}
