package mongo

import (
	"context"
	"errors"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ClaimWebhookDeliveries leases the due deliveries that are next in their
// endpoint's and target's order, each with one findOneAndUpdate whose
// filter repeats the claim's conditions, so that of replicas racing for a
// delivery exactly one takes it.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*ff.WebhookJob, error) {
	hooks, err := s.ListWebhooks(ctx)
	if err != nil {
		return nil, err
	}
	enabled := bson.A{}
	for _, w := range hooks {
		if !w.Disabled {
			enabled = append(enabled, w.ID)
		}
	}
	due := bson.D{{Key: "state", Value: ff.DeliveryPending}, {Key: "webhookId", Value: bson.D{{Key: "$in", Value: enabled}}},
		{Key: "nextAttemptAt", Value: bson.D{{Key: "$lte", Value: date(now)}}},
		{Key: "leaseUntil", Value: bson.D{{Key: "$lte", Value: date(now)}}}}
	candidates, err := findAll(ctx, s.deliveriesColl(), due, decodeDelivery,
		options.Find().SetSort(bson.D{{Key: "seq", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(4*limit)))
	if err != nil {
		return nil, err
	}
	var claimed []*ff.WebhookDelivery
	for _, c := range candidates {
		if len(claimed) == limit {
			break
		}
		d, err := s.claimOne(ctx, c, owner, now, lease)
		if err != nil {
			return nil, err
		}
		if d != nil {
			claimed = append(claimed, d)
		}
	}
	return codec.Jobs(claimed, hooks), nil
}

// claimOne leases c unless an earlier delivery of its endpoint and target
// is pending, or another replica took it first; nil if not.
func (s *Store) claimOne(ctx context.Context, c *ff.WebhookDelivery, owner string, now time.Time, lease time.Duration) (*ff.WebhookDelivery, error) {
	earlier := bson.D{{Key: "webhookId", Value: c.WebhookID}, {Key: "targetType", Value: c.TargetType},
		{Key: "targetId", Value: c.TargetID}, {Key: "state", Value: ff.DeliveryPending},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: "seq", Value: bson.D{{Key: "$lt", Value: c.Seq}}}},
			bson.D{{Key: "seq", Value: c.Seq}, {Key: "createdAt", Value: bson.D{{Key: "$lt", Value: date(c.CreatedAt)}}}},
		}}}
	n, err := s.deliveriesColl().CountDocuments(ctx, earlier, options.Count().SetLimit(1))
	if err != nil || n > 0 {
		return nil, translate(err)
	}
	var doc deliveryDoc
	err = s.deliveriesColl().FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: c.ID}, {Key: "state", Value: ff.DeliveryPending},
			{Key: "leaseUntil", Value: bson.D{{Key: "$lte", Value: date(now)}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "leaseOwner", Value: owner}, {Key: "leaseUntil", Value: date(now.Add(lease))}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	return decodeDelivery(&doc)
}

// FinishWebhookDelivery records an attempt if owner still holds the lease.
func (s *Store) FinishWebhookDelivery(ctx context.Context, owner string, d *ff.WebhookDelivery) error {
	res, err := s.deliveriesColl().UpdateOne(ctx,
		bson.D{{Key: "_id", Value: d.ID}, {Key: "leaseOwner", Value: owner}, {Key: "state", Value: ff.DeliveryPending}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "state", Value: d.State}, {Key: "attempts", Value: d.Attempts},
			{Key: "nextAttemptAt", Value: date(d.NextAttemptAt)}, {Key: "lastAttemptAt", Value: optDate(d.LastAttemptAt)},
			{Key: "responseStatus", Value: d.ResponseStatus}, {Key: "latencyMs", Value: d.LatencyMillis},
			{Key: "responseExcerpt", Value: d.ResponseExcerpt}, {Key: "error", Value: d.Error},
			{Key: "leaseOwner", Value: ""}, {Key: "leaseUntil", Value: date(time.UnixMilli(0))},
		}}})
	if err != nil {
		return translate(err)
	}
	if res.MatchedCount == 0 {
		return storeerr.LeaseLost(d.ID)
	}
	return nil
}

// PruneWebhookDeliveries deletes finished deliveries created before before.
func (s *Store) PruneWebhookDeliveries(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.deliveriesColl().DeleteMany(ctx, bson.D{{Key: "state", Value: bson.D{{Key: "$ne", Value: ff.DeliveryPending}}},
		{Key: "createdAt", Value: bson.D{{Key: "$lt", Value: date(before)}}}})
	if err != nil {
		return 0, translate(err)
	}
	return res.DeletedCount, nil
}
