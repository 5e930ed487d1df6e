package mongo

import (
	"context"
	"time"

	ff "github.com/featureflags/featureflags"
	"go.mongodb.org/mongo-driver/v2/bson"
)

var _ ff.UsagePruner = (*Store)(nil)

// PruneUsage deletes the buckets of hours before before, moving no
// revision.
func (s *Store) PruneUsage(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.usage().DeleteMany(ctx, bson.D{{Key: "_id.h", Value: bson.D{{Key: "$lt", Value: before.Unix()}}}})
	if err != nil {
		return 0, translate(err)
	}
	return res.DeletedCount, nil
}
