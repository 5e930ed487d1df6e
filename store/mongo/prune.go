package mongo

import (
	"context"
	"errors"
	"time"

	ff "github.com/featureflags/featureflags"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

var _ ff.AuditPruner = (*Store)(nil)

// PruneAudit deletes the events older than before and then all but the
// newest keep: two deletions, each of many documents, that move no
// revision.
func (s *Store) PruneAudit(ctx context.Context, before time.Time, keep int) (int64, error) {
	var n int64
	if !before.IsZero() {
		res, err := s.audit.DeleteMany(ctx, bson.D{{Key: "time", Value: bson.D{{Key: "$lt", Value: date(before)}}}})
		if err != nil {
			return n, translate(err)
		}
		n += res.DeletedCount
	}
	if keep <= 0 {
		return n, nil
	}
	// The newest event beyond keep, and every one older than it, go.
	var last auditDoc
	err := s.audit.FindOne(ctx, bson.D{}, options.FindOne().
		SetSort(bson.D{{Key: "time", Value: -1}, {Key: "_id", Value: -1}}).SetSkip(int64(keep))).Decode(&last)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return n, nil
	}
	if err != nil {
		return n, translate(err)
	}
	res, err := s.audit.DeleteMany(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "time", Value: bson.D{{Key: "$lt", Value: last.Time}}}},
		bson.D{{Key: "time", Value: last.Time}, {Key: "_id", Value: bson.D{{Key: "$lte", Value: last.ID}}}},
	}}})
	if err != nil {
		return n, translate(err)
	}
	return n + res.DeletedCount, nil
}
