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
// endpoint's and target's order, each once its replica holds that target's
// turn (see takeTurn), so that replicas racing never deliver two events of
// one target to one endpoint at once or out of order.
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
	tried := map[string]bool{}
	for _, c := range candidates {
		if len(claimed) == limit || tried[turnKey(c)] {
			continue
		}
		tried[turnKey(c)] = true
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

// firstPending returns the earliest pending delivery of c's endpoint and
// target, the only one of them that may be sent.
func (s *Store) firstPending(ctx context.Context, c *ff.WebhookDelivery) (*ff.WebhookDelivery, error) {
	var doc deliveryDoc
	err := s.deliveriesColl().FindOne(ctx,
		bson.D{{Key: "webhookId", Value: c.WebhookID}, {Key: "targetType", Value: c.TargetType},
			{Key: "targetId", Value: c.TargetID}, {Key: "state", Value: ff.DeliveryPending}},
		options.FindOne().SetSort(bson.D{{Key: "seq", Value: 1}, {Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}})).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	return decodeDelivery(&doc)
}

// claimOne leases c if it is first in its target's order, due, and its
// target's turn can be taken; nil if not. The order is read again once
// the turn is held, since the delivery read first may have been sent
// meanwhile by the turn's previous holder.
func (s *Store) claimOne(ctx context.Context, c *ff.WebhookDelivery, owner string, now time.Time, lease time.Duration) (*ff.WebhookDelivery, error) {
	first, err := s.firstPending(ctx, c)
	if err != nil || first == nil || first.ID != c.ID {
		return nil, err
	}
	t, err := s.takeTurn(ctx, turnKey(c), owner, c.ID, now, lease)
	if err != nil || t == nil {
		return nil, err
	}
	if first, err = s.firstPending(ctx, c); err != nil || first == nil || first.ID != c.ID || first.NextAttemptAt.After(now) {
		_, endErr := s.endTurn(ctx, t, time.Time{}, 0)
		return nil, errors.Join(err, endErr)
	}
	_, err = s.deliveriesColl().UpdateOne(ctx, bson.D{{Key: "_id", Value: c.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "leaseOwner", Value: owner}, {Key: "leaseUntil", Value: date(now.Add(lease))}}}})
	if err != nil {
		return nil, translate(err)
	}
	return first, nil
}

// FinishWebhookDelivery records an attempt if owner still holds the
// delivery's turn, then ends the turn.
func (s *Store) FinishWebhookDelivery(ctx context.Context, owner string, d *ff.WebhookDelivery) error {
	t, err := s.heldTurn(ctx, owner, d)
	if err != nil {
		return err
	}
	if t == nil {
		return storeerr.LeaseLost(d.ID)
	}
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
	_, err = s.endTurn(ctx, t, time.Time{}, 0)
	return err
}

// PruneWebhookDeliveries deletes finished deliveries created before before.
func (s *Store) PruneWebhookDeliveries(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.deliveriesColl().DeleteMany(ctx, bson.D{{Key: "state", Value: bson.D{{Key: "$ne", Value: ff.DeliveryPending}}},
		{Key: "createdAt", Value: bson.D{{Key: "$lt", Value: date(before)}}}})
	if err != nil {
		return 0, translate(err)
	}
	return res.DeletedCount, s.pruneTurnEnds(ctx, before)
}
