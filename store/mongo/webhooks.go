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
//
// Without multi-document transactions the limit is kept by slot documents:
// each endpoint holds one of the slots 0 to max-1 of the webhook_slots
// collection, taken by inserting it (the unique _id lets only one replica
// take a slot, which MongoDB, and FerretDB on every backend, keeps atomic
// across connections) before the endpoint is inserted, and given back
// should that fail or when the endpoint is deleted. A process dying
// between the two can only leave a slot held by no endpoint, which refuses
// an endpoint that would have been allowed but never allows one too many;
// such a slot is found and given back when the limit refuses.
func (s *Store) CreateWebhook(ctx context.Context, w *ff.Webhook, max int) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	if err := s.takeSlot(ctx, w.ID, max); err != nil {
		return err
	}
	if _, err := s.webhookColl().InsertOne(ctx, encodeWebhook(w)); err != nil {
		return errors.Join(translate(err), s.freeSlot(ctx, w.ID))
	}
	s.changed(ctx)
	return nil
}

// slotDoc is a place among the webhooks the limit allows, held by one.
type slotDoc struct {
	Slot      int    `bson:"_id"`
	WebhookID string `bson:"webhookId"`
}

func (s *Store) slots() *mongo.Collection { return s.db.Collection("webhook_slots") }

// takeSlot gives the endpoint id a free slot below max (any free slot when
// max is 0: no limit), or refuses with the limit.
func (s *Store) takeSlot(ctx context.Context, id string, max int) error {
	for range 2 {
		var held []slotDoc
		if err := findInto(ctx, s.slots(), &held); err != nil {
			return err
		}
		taken := map[int]bool{}
		for _, d := range held {
			taken[d.Slot] = true
		}
		for slot := 0; max <= 0 || slot < max; slot++ {
			if taken[slot] {
				continue
			}
			_, err := s.slots().InsertOne(ctx, slotDoc{Slot: slot, WebhookID: id})
			if err == nil {
				return nil
			}
			if !mongo.IsDuplicateKeyError(err) {
				return translate(err)
			}
		}
		// Every slot is held: give back those of endpoints that are not
		// there (a replica died between the two inserts), then look again.
		if freed, err := s.freeOrphanSlots(ctx, held); err != nil || freed == 0 {
			if err != nil {
				return err
			}
			break
		}
	}
	return storeerr.TooManyWebhooks(max)
}

// freeOrphanSlots deletes the slots of held whose endpoint does not exist
// and returns how many it freed. A slot taken a moment ago by a replica
// still inserting its endpoint may be freed too: the endpoint then exists
// without a slot, one more than the limit, which is the price of never
// leaving a place lost for good.
func (s *Store) freeOrphanSlots(ctx context.Context, held []slotDoc) (int, error) {
	ids := make([]string, len(held))
	for i, d := range held {
		ids[i] = d.WebhookID
	}
	var existing []struct {
		ID string `bson:"_id"`
	}
	cur, err := s.webhookColl().Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, translate(err)
	}
	if err := cur.All(ctx, &existing); err != nil {
		return 0, translate(err)
	}
	there := map[string]bool{}
	for _, e := range existing {
		there[e.ID] = true
	}
	freed := 0
	for _, d := range held {
		if there[d.WebhookID] {
			continue
		}
		res, err := s.slots().DeleteOne(ctx, bson.D{{Key: "_id", Value: d.Slot}, {Key: "webhookId", Value: d.WebhookID}})
		if err != nil {
			return freed, translate(err)
		}
		freed += int(res.DeletedCount)
	}
	return freed, nil
}

// freeSlot gives back the slot of the endpoint id, going on if ctx is
// canceled.
func (s *Store) freeSlot(ctx context.Context, id string) error {
	ctx, cancel := detached(ctx)
	defer cancel()
	_, err := s.slots().DeleteMany(ctx, bson.D{{Key: "webhookId", Value: id}})
	return translate(err)
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
	if err := s.freeSlot(ctx, id); err != nil {
		return err
	}
	if _, err := s.deliveriesColl().DeleteMany(ctx, bson.D{{Key: "webhookId", Value: id}}); err != nil {
		return translate(err)
	}
	if err := s.deleteTurns(ctx, id); err != nil {
		return err
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
