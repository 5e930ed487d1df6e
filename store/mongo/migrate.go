package mongo

import (
	"context"
	"errors"
	"fmt"

	"github.com/featureflags/featureflags/store/internal/storeerr"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// migrations bring a database from schema version i to i+1. Each must be
// idempotent: two processes opening a new database at once may both run it.
var migrations = []func(ctx context.Context, s *Store) error{
	migrateInit,
	migrateAccess,
	migrateWebhooks,
	migrateApprovals,
	migrateWebhookSlots,
}

const (
	schemaID   = "schema"
	envCountID = "environments"
)

// migrateWebhookSlots gives every endpoint there is a slot (see
// CreateWebhook), and each slot one holder.
func migrateWebhookSlots(ctx context.Context, s *Store) error {
	var ws []struct {
		ID string `bson:"_id"`
	}
	if err := findInto(ctx, s.webhookColl(), &ws); err != nil {
		return err
	}
	for _, w := range ws {
		n, err := s.slots().CountDocuments(ctx, bson.D{{Key: "webhookId", Value: w.ID}})
		if err != nil {
			return err
		}
		if n == 0 {
			if err := s.takeSlot(ctx, w.ID, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// migrate runs the migrations the database has not had yet, in order, and
// refuses a database written by a newer version of the program.
func (s *Store) migrate(ctx context.Context) error {
	var doc struct {
		Version int `bson:"version"`
	}
	err := s.meta.FindOne(ctx, bson.D{{Key: "_id", Value: schemaID}}).Decode(&doc)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return fmt.Errorf("store: read schema version: %w", translate(err))
	}
	current := doc.Version
	if current > SchemaVersion {
		return storeerr.NewerSchema(current, SchemaVersion)
	}
	for i := current; i < SchemaVersion; i++ {
		if err := migrations[i](ctx, s); err != nil {
			return fmt.Errorf("store: migration %d: %w", i+1, translate(err))
		}
		// $max: a slower process finishing an older migration never moves
		// the version back.
		_, err := s.meta.UpdateOne(ctx, bson.D{{Key: "_id", Value: schemaID}},
			bson.D{{Key: "$max", Value: bson.D{{Key: "version", Value: i + 1}}}},
			options.UpdateOne().SetUpsert(true))
		if err != nil {
			return fmt.Errorf("store: migration %d: record version: %w", i+1, translate(err))
		}
	}
	return nil
}

// migrateInit creates the indexes and the environment counter.
func migrateInit(ctx context.Context, s *Store) error {
	unique := func(name string) mongo.IndexModel {
		return mongo.IndexModel{
			Keys:    bson.D{{Key: "name", Value: 1}},
			Options: options.Index().SetUnique(true).SetName(name),
		}
	}
	if _, err := s.flags.Indexes().CreateOne(ctx, unique("flags_name_unique")); err != nil {
		return err
	}
	if _, err := s.segments.Indexes().CreateOne(ctx, unique("segments_name_unique")); err != nil {
		return err
	}
	_, err := s.environments.Indexes().CreateMany(ctx, []mongo.IndexModel{
		unique("environments_name_unique"),
		{Keys: bson.D{{Key: "position", Value: 1}}, Options: options.Index().SetName("environments_position")},
	})
	if err != nil {
		return err
	}
	// The counter starts at the number of environments already there, in
	// case a previous run created some before recording its version.
	n, err := s.environments.CountDocuments(ctx, bson.D{})
	if err != nil {
		return err
	}
	_, err = s.meta.UpdateOne(ctx, bson.D{{Key: "_id", Value: envCountID}},
		bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "count", Value: n}, {Key: "seq", Value: n}}}},
		options.UpdateOne().SetUpsert(true))
	return err
}

// migrateAccess creates the indexes of tokens and of the audit log: a
// token's hash is unique, and events list newest first by (time, _id),
// alone or after an equality filter.
func migrateAccess(ctx context.Context, s *Store) error {
	_, err := s.tokens.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "hash", Value: 1}},
		Options: options.Index().SetUnique(true).SetName("tokens_hash_unique"),
	})
	if err != nil {
		return err
	}
	newestFirst := func(name, field string) mongo.IndexModel {
		var keys bson.D
		if field != "" {
			keys = bson.D{{Key: field, Value: 1}}
		}
		keys = append(keys, bson.E{Key: "time", Value: -1}, bson.E{Key: "_id", Value: -1})
		return mongo.IndexModel{Keys: keys, Options: options.Index().SetName(name)}
	}
	_, err = s.audit.Indexes().CreateMany(ctx, []mongo.IndexModel{
		newestFirst("audit_time", ""),
		newestFirst("audit_target", "targetId"),
		newestFirst("audit_environment", "environment"),
		newestFirst("audit_actor_id", "actor.id"),
		newestFirst("audit_actor_name", "actor.name"),
	})
	return err
}

// migrateWebhooks creates the indexes of the webhook collections: the
// outbox in seq order, deliveries by due time, by endpoint and target in
// seq order, and by endpoint newest first.
func migrateWebhooks(ctx context.Context, s *Store) error {
	if _, err := s.outboxColl().Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys: bson.D{{Key: "seq", Value: 1}}, Options: options.Index().SetName("outbox_seq"),
	}); err != nil {
		return err
	}
	_, err := s.deliveriesColl().Indexes().CreateMany(ctx, []mongo.IndexModel{
		{Keys: bson.D{{Key: "state", Value: 1}, {Key: "nextAttemptAt", Value: 1}}, Options: options.Index().SetName("deliveries_due")},
		{Keys: bson.D{{Key: "webhookId", Value: 1}, {Key: "targetType", Value: 1}, {Key: "targetId", Value: 1}, {Key: "seq", Value: 1}},
			Options: options.Index().SetName("deliveries_order")},
		{Keys: bson.D{{Key: "webhookId", Value: 1}, {Key: "createdAt", Value: -1}}, Options: options.Index().SetName("deliveries_log")},
	})
	return err
}

// migrateApprovals protects production, as new databases have it, and
// creates the index change requests are listed by.
func migrateApprovals(ctx context.Context, s *Store) error {
	_, err := s.environments.UpdateOne(ctx,
		bson.D{{Key: "name", Value: "production"}, {Key: "protected", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "protected", Value: true}}}})
	if err != nil {
		return err
	}
	_, err = s.requests.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "status", Value: 1}, {Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}},
		Options: options.Index().SetName("change_requests_status"),
	})
	return err
}
