package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

type deliveryDoc struct {
	ID              string         `bson:"_id"`
	WebhookID       string         `bson:"webhookId"`
	Seq             int64          `bson:"seq"`
	EventID         string         `bson:"eventId"`
	Action          string         `bson:"action"`
	TargetType      string         `bson:"targetType"`
	TargetID        string         `bson:"targetId"`
	TargetName      string         `bson:"targetName"`
	Payload         string         `bson:"payload"` // JSON
	State           string         `bson:"state"`
	Attempts        int            `bson:"attempts"`
	NextAttemptAt   bson.DateTime  `bson:"nextAttemptAt"`
	CreatedAt       bson.DateTime  `bson:"createdAt"`
	LastAttemptAt   *bson.DateTime `bson:"lastAttemptAt,omitempty"`
	ResponseStatus  int            `bson:"responseStatus"`
	LatencyMillis   int64          `bson:"latencyMs"`
	ResponseExcerpt string         `bson:"responseExcerpt"`
	Error           string         `bson:"error"`
	RedeliveryOf    string         `bson:"redeliveryOf"`
	LeaseOwner      string         `bson:"leaseOwner"`
	LeaseUntil      bson.DateTime  `bson:"leaseUntil"`
}

func encodeDelivery(d *ff.WebhookDelivery) *deliveryDoc {
	return &deliveryDoc{ID: d.ID, WebhookID: d.WebhookID, Seq: d.Seq, EventID: d.EventID, Action: d.Action,
		TargetType: d.TargetType, TargetID: d.TargetID, TargetName: d.TargetName, Payload: string(d.Payload),
		State: d.State, Attempts: d.Attempts, NextAttemptAt: date(d.NextAttemptAt), CreatedAt: date(d.CreatedAt),
		LastAttemptAt: optDate(d.LastAttemptAt), ResponseStatus: d.ResponseStatus, LatencyMillis: d.LatencyMillis,
		ResponseExcerpt: d.ResponseExcerpt, Error: d.Error, RedeliveryOf: d.RedeliveryOf, LeaseUntil: date(time.UnixMilli(0))}
}

func decodeDelivery(d *deliveryDoc) (*ff.WebhookDelivery, error) {
	return &ff.WebhookDelivery{ID: d.ID, WebhookID: d.WebhookID, Seq: d.Seq, EventID: d.EventID, Action: d.Action,
		TargetType: d.TargetType, TargetID: d.TargetID, TargetName: d.TargetName, Payload: json.RawMessage(d.Payload),
		State: d.State, Attempts: d.Attempts, NextAttemptAt: fromDate(d.NextAttemptAt), CreatedAt: fromDate(d.CreatedAt),
		LastAttemptAt: fromOptDate(d.LastAttemptAt), ResponseStatus: d.ResponseStatus, LatencyMillis: d.LatencyMillis,
		ResponseExcerpt: d.ResponseExcerpt, Error: d.Error, RedeliveryOf: d.RedeliveryOf}, nil
}

var newestDeliveries = bson.D{{Key: "createdAt", Value: -1}, {Key: "seq", Value: -1}, {Key: "_id", Value: -1}}

// ListWebhookDeliveries returns the endpoint's deliveries, newest first.
func (s *Store) ListWebhookDeliveries(ctx context.Context, webhookID string, limit int) ([]*ff.WebhookDelivery, error) {
	return findAll(ctx, s.deliveriesColl(), bson.D{{Key: "webhookId", Value: webhookID}}, decodeDelivery,
		options.Find().SetSort(newestDeliveries).SetLimit(int64(limit)))
}

func pending(webhookID string) bson.D {
	return bson.D{{Key: "webhookId", Value: webhookID}, {Key: "state", Value: ff.DeliveryPending}}
}

// RedeliverWebhook queues the delivery again, in its event's place. The
// count and the insert are two steps, as CreateWebhook's.
func (s *Store) RedeliverWebhook(ctx context.Context, webhookID, deliveryID string, now time.Time, maxQueued int) (*ff.WebhookDelivery, error) {
	var doc deliveryDoc
	err := s.deliveriesColl().FindOne(ctx, bson.D{{Key: "_id", Value: deliveryID}, {Key: "webhookId", Value: webhookID}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, storeerr.NotFound(storeerr.Delivery, deliveryID)
	}
	if err != nil {
		return nil, translate(err)
	}
	n, err := s.deliveriesColl().CountDocuments(ctx, pending(webhookID))
	if err != nil {
		return nil, translate(err)
	}
	if maxQueued > 0 && n >= int64(maxQueued) {
		return nil, storeerr.QueueFull(maxQueued)
	}
	orig, _ := decodeDelivery(&doc)
	d := codec.Redelivery(orig, now)
	if _, err := s.deliveriesColl().InsertOne(ctx, encodeDelivery(d)); err != nil {
		return nil, translate(err)
	}
	return d, nil
}

type outboxDoc struct {
	ID    string   `bson:"_id"`
	Seq   int64    `bson:"seq"`
	Event auditDoc `bson:"event"`
}

// DispatchWebhooks moves up to limit outbox events to the deliveries. One
// replica dispatches at a time, holding a lease in meta (others return 0);
// the deliveries' ids are the events' and endpoints', so a dispatch cut
// short and repeated makes none twice.
func (s *Store) DispatchWebhooks(ctx context.Context, now time.Time, maxQueued, limit int) (int, error) {
	owner := ff.NewID()
	if ok, err := s.lease(ctx, "webhookDispatch", owner, now, time.Minute); !ok || err != nil {
		return 0, err
	}
	defer s.lease(context.WithoutCancel(ctx), "webhookDispatch", owner, now, 0)
	var events []*outboxDoc
	cur, err := s.outboxColl().Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}).SetLimit(int64(limit)))
	if err == nil {
		err = cur.All(ctx, &events)
	}
	if err != nil || len(events) == 0 {
		return 0, translate(err)
	}
	hooks, err := s.ListWebhooks(ctx)
	if err != nil {
		return 0, err
	}
	queued := map[string]int{}
	for _, w := range matching(hooks, events) {
		n, err := s.deliveriesColl().CountDocuments(ctx, pending(w.ID))
		if err != nil {
			return 0, translate(err)
		}
		queued[w.ID] = int(n)
	}
	ids := make(bson.A, 0, len(events))
	for _, e := range events {
		if err := s.dispatchOne(ctx, e, hooks, queued, maxQueued, now); err != nil {
			return 0, err
		}
		ids = append(ids, e.ID)
	}
	_, err = s.outboxColl().DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	return len(events), translate(err)
}

func (s *Store) dispatchOne(ctx context.Context, e *outboxDoc, hooks []*ff.Webhook, queued map[string]int, maxQueued int, now time.Time) error {
	ev, err := decodeAudit(&e.Event)
	if err != nil {
		return err
	}
	ds, err := codec.Dispatch(ev, e.Seq, hooks, queued, maxQueued, now)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if _, err := s.deliveriesColl().InsertOne(ctx, encodeDelivery(d)); err != nil && !mongo.IsDuplicateKeyError(err) {
			return translate(err)
		}
	}
	return nil
}

// lease takes (or, for a zero d, gives back) the named lease in meta for
// owner until now+d, if it is free or has run out; it reports whether
// owner holds it.
func (s *Store) lease(ctx context.Context, name, owner string, now time.Time, d time.Duration) (bool, error) {
	if d == 0 {
		_, err := s.meta.UpdateOne(ctx, bson.D{{Key: "_id", Value: name}, {Key: "owner", Value: owner}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: date(time.UnixMilli(0))}}}})
		return false, translate(err)
	}
	_, err := s.meta.InsertOne(ctx, bson.D{{Key: "_id", Value: name}, {Key: "owner", Value: ""}, {Key: "until", Value: date(time.UnixMilli(0))}})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return false, translate(err)
	}
	res, err := s.meta.UpdateOne(ctx, bson.D{{Key: "_id", Value: name}, {Key: "until", Value: bson.D{{Key: "$lte", Value: date(now)}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "owner", Value: owner}, {Key: "until", Value: date(now.Add(d))}}}})
	if err != nil {
		return false, translate(err)
	}
	return res.ModifiedCount == 1, nil
}

// matching returns the endpoints some of events go to: those whose queues
// dispatching needs to count, one query each.
func matching(hooks []*ff.Webhook, events []*outboxDoc) []*ff.Webhook {
	var out []*ff.Webhook
	for _, w := range hooks {
		for _, e := range events {
			if ev, err := decodeAudit(&e.Event); err == nil && w.Matches(ev) {
				out = append(out, w)
				break
			}
		}
	}
	return out
}
