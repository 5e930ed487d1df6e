package mongo

import (
	"context"
	"errors"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The webhook collections:
//
//	webhooks           {_id, url, events, flags, environments: [string],
//	                    disabled, secret, version, createdAt, updatedAt: date}
//	webhookOutbox      {_id: the event's id, seq, event: <audit document>}
//	webhookDeliveries  {_id, webhookId, seq, ..., leaseOwner, leaseUntil: date}
//
// MongoDB has no transaction here, so the outbox document follows the
// change as its audit event does (see record), and its seq, from a counter
// in meta, orders the events as they were recorded: two writes of one flag
// through two replicas at the same moment may record in the other order.
func (s *Store) webhookColl() *mongo.Collection    { return s.db.Collection("webhooks") }
func (s *Store) outboxColl() *mongo.Collection     { return s.db.Collection("webhookOutbox") }
func (s *Store) deliveriesColl() *mongo.Collection { return s.db.Collection("webhookDeliveries") }

type webhookDoc struct {
	ID           string        `bson:"_id"`
	URL          string        `bson:"url"`
	Events       []string      `bson:"events"`
	Flags        []string      `bson:"flags"`
	Environments []string      `bson:"environments"`
	Disabled     bool          `bson:"disabled"`
	Secret       string        `bson:"secret"`
	Version      int64         `bson:"version"`
	CreatedAt    bson.DateTime `bson:"createdAt"`
	UpdatedAt    bson.DateTime `bson:"updatedAt"`
}

func encodeWebhook(w *ff.Webhook) *webhookDoc {
	return &webhookDoc{ID: w.ID, URL: w.URL, Events: nonNil(w.Events), Flags: nonNil(w.Flags),
		Environments: nonNil(w.Environments), Disabled: w.Disabled, Secret: w.Secret, Version: w.Version,
		CreatedAt: date(w.CreatedAt), UpdatedAt: date(w.UpdatedAt)}
}

func decodeWebhook(d *webhookDoc) (*ff.Webhook, error) {
	return &ff.Webhook{ID: d.ID, URL: d.URL, Events: nonNil(d.Events), Flags: nonNil(d.Flags),
		Environments: nonNil(d.Environments), Disabled: d.Disabled, Secret: d.Secret, Version: d.Version,
		CreatedAt: fromDate(d.CreatedAt), UpdatedAt: fromDate(d.UpdatedAt)}, nil
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// ListWebhooks returns every endpoint, oldest first.
func (s *Store) ListWebhooks(ctx context.Context) ([]*ff.Webhook, error) {
	return findAll(ctx, s.webhookColl(), bson.D{}, decodeWebhook,
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}))
}

// FindWebhook returns the endpoint id.
func (s *Store) FindWebhook(ctx context.Context, id string) (*ff.Webhook, error) {
	var d webhookDoc
	err := s.webhookColl().FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, storeerr.NotFound(storeerr.Webhook, id)
	}
	if err != nil {
		return nil, translate(err)
	}
	return decodeWebhook(&d)
}

// CreateWebhook inserts w unless there are max endpoints already. The count
// and the insert are two steps: replicas creating at the same moment may
// pass max by as many as they are.
func (s *Store) CreateWebhook(ctx context.Context, w *ff.Webhook, max int) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	n, err := s.webhookColl().CountDocuments(ctx, bson.D{})
	if err != nil {
		return translate(err)
	}
	if max > 0 && n >= int64(max) {
		return storeerr.TooManyWebhooks(max)
	}
	if _, err := s.webhookColl().InsertOne(ctx, encodeWebhook(w)); err != nil {
		return translate(err)
	}
	s.changed(ctx)
	return nil
}

// UpdateWebhook replaces the endpoint w.ID if its version is expectVersion.
func (s *Store) UpdateWebhook(ctx context.Context, w *ff.Webhook, expectVersion int64) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	res, err := s.webhookColl().ReplaceOne(ctx, byID(w.ID, expectVersion), encodeWebhook(w))
	if err != nil {
		return translate(err)
	}
	if res.MatchedCount == 0 {
		return missingOrStale(ctx, s.webhookColl(), storeerr.Webhook, w.ID, expectVersion)
	}
	s.changed(ctx)
	return nil
}

// DeleteWebhook deletes the endpoint id, then its deliveries.
func (s *Store) DeleteWebhook(ctx context.Context, id string) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	res, err := s.webhookColl().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return translate(err)
	}
	if res.DeletedCount == 0 {
		return storeerr.NotFound(storeerr.Webhook, id)
	}
	if _, err := s.deliveriesColl().DeleteMany(ctx, bson.D{{Key: "webhookId", Value: id}}); err != nil {
		return translate(err)
	}
	s.changed(ctx)
	return nil
}

// hasWebhooks reports whether any endpoint exists: events are put in the
// outbox only then.
func (s *Store) hasWebhooks(ctx context.Context) (bool, error) {
	err := s.webhookColl().FindOne(ctx, bson.D{}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, err
}

// enqueue puts the recorded event doc in the outbox with the next seq, if
// an endpoint exists. Its _id is the event's, so a retry adds no second.
func (s *Store) enqueue(ctx context.Context, doc *auditDoc) error {
	if ok, err := s.hasWebhooks(ctx); !ok || err != nil {
		return err
	}
	var counter struct {
		Value int64 `bson:"value"`
	}
	err := s.meta.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "webhookSeq"}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "value", Value: int64(1)}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&counter)
	if err != nil {
		return err
	}
	_, err = s.outboxColl().InsertOne(ctx, bson.D{{Key: "_id", Value: doc.ID}, {Key: "seq", Value: counter.Value}, {Key: "event", Value: doc}})
	if mongo.IsDuplicateKeyError(err) {
		return nil
	}
	return err
}
