package mongo

import (
	"context"
	"errors"
	"time"

	ff "github.com/featureflags/featureflags"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Deliveries of one endpoint and target go one at a time, in order. A
// replica takes that target's turn by inserting its document into
// webhook_turns, keyed by endpoint and target: of replicas inserting at
// once exactly one succeeds, as a unique _id is atomic where conditional
// updates are not (FerretDB v1 runs those as a read and a write). The turn
// is ended, its document deleted, when its delivery is recorded or, by the
// next claimer, once its lease has run out.
//
// Deleting is no more atomic than updating: a slow delete could remove
// the turn a third replica has taken meanwhile. So the right to delete a
// turn is itself taken by an insert, of {_id: the turn's claim} into
// webhook_turn_ends: only its one winner deletes, while the turn is still
// that claim's. A winner dying before it deletes leaves the end document;
// the turn is then deleted by whoever finds both older than a lease.
//
//	webhook_turns      {_id: "<webhookId>/<targetType>/<targetId>", claim, owner, delivery, until: date}
//	webhook_turn_ends  {_id: claim, at: date}
//
// PointTurnEnding, where SetInterrupt's function is called, is between
// taking the right to end a turn and deleting it.
const PointTurnEnding = "turn ending"

func (s *Store) turns() *mongo.Collection    { return s.db.Collection("webhook_turns") }
func (s *Store) turnEnds() *mongo.Collection { return s.db.Collection("webhook_turn_ends") }

type turnDoc struct {
	Key      string        `bson:"_id"`
	Claim    string        `bson:"claim"`
	Owner    string        `bson:"owner"`
	Delivery string        `bson:"delivery"`
	Until    bson.DateTime `bson:"until"`
}

type turnEndDoc struct {
	Claim string        `bson:"_id"`
	At    bson.DateTime `bson:"at"`
}

func turnKey(d *ff.WebhookDelivery) string {
	return d.WebhookID + "/" + d.TargetType + "/" + d.TargetID
}

// takeTurn gives owner the turn of key for delivery until now+lease, if no
// one holds it or its holder's lease has run out; nil if not.
func (s *Store) takeTurn(ctx context.Context, key, owner, delivery string, now time.Time, lease time.Duration) (*turnDoc, error) {
	t := &turnDoc{Key: key, Claim: ff.NewID(), Owner: owner, Delivery: delivery, Until: date(now.Add(lease))}
	for range 2 {
		_, err := s.turns().InsertOne(ctx, t)
		if err == nil {
			return t, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return nil, translate(err)
		}
		var held turnDoc
		err = s.turns().FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&held)
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue // ended meanwhile
		}
		if err != nil {
			return nil, translate(err)
		}
		if fromDate(held.Until).After(now) {
			return nil, nil
		}
		if ended, err := s.endTurn(ctx, &held, now, lease); err != nil || !ended {
			return nil, err
		}
	}
	return nil, nil
}

// endTurn deletes the turn t if this call wins the right to: it reports
// whether t is gone. Should another have won it, a claimer at now ends t
// all the same once its lease ran out a lease ago (the other died); the
// zero now, of the turn's own holder, never does.
func (s *Store) endTurn(ctx context.Context, t *turnDoc, now time.Time, lease time.Duration) (bool, error) {
	_, err := s.turnEnds().InsertOne(ctx, turnEndDoc{Claim: t.Claim, At: t.Until})
	if mongo.IsDuplicateKeyError(err) {
		var end turnEndDoc
		err := s.turnEnds().FindOne(ctx, bson.D{{Key: "_id", Value: t.Claim}}).Decode(&end)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) { // none: pruned, long ended
			return false, translate(err)
		}
		if err == nil && fromDate(end.At).Add(lease).After(now) {
			return false, nil // being ended by another
		}
	} else if err != nil {
		return false, translate(err)
	}
	if err := s.at(PointTurnEnding); err != nil {
		return false, err
	}
	_, err = s.turns().DeleteOne(ctx, bson.D{{Key: "_id", Value: t.Key}, {Key: "claim", Value: t.Claim}})
	return err == nil, translate(err)
}

// heldTurn returns the turn of d's endpoint and target if owner holds it
// for d; nil if not.
func (s *Store) heldTurn(ctx context.Context, owner string, d *ff.WebhookDelivery) (*turnDoc, error) {
	var t turnDoc
	err := s.turns().FindOne(ctx, bson.D{{Key: "_id", Value: turnKey(d)}}).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) || err == nil && (t.Owner != owner || t.Delivery != d.ID) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	return &t, nil
}

// deleteTurns deletes the turns of the deleted endpoint webhookID, which
// no claimer would end (a turn is ended by the next claimer of its key):
// those whose _id starts with "<webhookID>/", '0' being the byte after
// '/'. A claimer that listed the endpoint before its deletion and takes a
// turn after this ends it, finding no delivery pending.
func (s *Store) deleteTurns(ctx context.Context, webhookID string) error {
	_, err := s.turns().DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{
		{Key: "$gte", Value: webhookID + "/"}, {Key: "$lt", Value: webhookID + "0"}}}})
	return translate(err)
}

// pruneTurnEnds deletes the records of turns ended before before.
func (s *Store) pruneTurnEnds(ctx context.Context, before time.Time) error {
	_, err := s.turnEnds().DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: date(before)}}}})
	return translate(err)
}
