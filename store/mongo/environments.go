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

type environmentDoc struct {
	Name      string        `bson:"name"`
	Position  int64         `bson:"position"`
	CreatedAt bson.DateTime `bson:"createdAt"`
	// The settings, which UpdateEnvironment replaces.
	Protected            bool  `bson:"protected"`
	RequireApproval      int64 `bson:"requireApproval"`
	ApprovalAdminsBypass bool  `bson:"approvalAdminsBypass"`
}

// settingsSet is the $set of e's settings and, when created is set, its
// creation time.
func settingsSet(e *ff.Environment, created bool) bson.D {
	set := bson.D{{Key: "protected", Value: e.Protected}, {Key: "requireApproval", Value: int64(e.RequireApproval)},
		{Key: "approvalAdminsBypass", Value: e.ApprovalAdminsBypass}}
	if created {
		set = append(set, bson.E{Key: "createdAt", Value: date(e.CreatedAt)})
	}
	return bson.D{{Key: "$set", Value: set}}
}

// The environment counter document in meta: count is the number of
// environments (never more than there are, see DeleteEnvironment), seq the
// last position handed out.
var envCounter = bson.D{{Key: "_id", Value: envCountID}}

// ListEnvironments returns every environment in creation order.
func (s *Store) ListEnvironments(ctx context.Context) ([]*ff.Environment, error) {
	return findAll(ctx, s.environments, bson.D{}, func(d *environmentDoc) (*ff.Environment, error) {
		return &ff.Environment{Name: d.Name, CreatedAt: fromDate(d.CreatedAt), Protected: d.Protected,
			RequireApproval: int(d.RequireApproval), ApprovalAdminsBypass: d.ApprovalAdminsBypass}, nil
	}, options.Find().SetSort(bson.D{{Key: "position", Value: 1}}))
}

// CreateEnvironment adds an environment after the existing ones: it takes
// the next position from the counter, inserts the environment (the unique
// index on name refuses a duplicate) and only then counts it, so that the
// count is never more than the number of environments.
func (s *Store) CreateEnvironment(ctx context.Context, e *ff.Environment) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	if err := s.createEnvironment(ctx, e); err != nil {
		return err
	}
	s.changed(ctx)
	return nil
}

func (s *Store) createEnvironment(ctx context.Context, e *ff.Environment) error {
	var c struct {
		Seq int64 `bson:"seq"`
	}
	err := s.meta.FindOneAndUpdate(ctx, envCounter,
		bson.D{{Key: "$inc", Value: bson.D{{Key: "seq", Value: int64(1)}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&c)
	if err != nil {
		return translate(err)
	}
	_, err = s.environments.InsertOne(ctx, environmentDoc{Name: e.Name, Position: c.Seq, CreatedAt: date(e.CreatedAt),
		Protected: e.Protected, RequireApproval: int64(e.RequireApproval), ApprovalAdminsBypass: e.ApprovalAdminsBypass})
	if err != nil {
		return writeError(ctx, s.environments, "", err)
	}
	ctx, cancel := detached(ctx)
	defer cancel()
	_, err = s.meta.UpdateOne(ctx, envCounter, bson.D{{Key: "$inc", Value: bson.D{{Key: "count", Value: int64(1)}}}})
	return translate(err)
}

// DeleteEnvironment removes an environment and its state and targeting from
// every flag that has them, bumping those flags' versions.
//
// Without multi-document transactions the last environment is protected by
// the counter: the deletion first decrements it with the filter
// {count: {$gt: 1}}, one atomic single-document update, so of two
// concurrent deletions of the last two environments only one can pass.
// Should a later step fail, or the environment be gone already (deleted
// concurrently), the counter is incremented back. A process dying between
// the steps can only leave the count too low, which refuses a deletion
// that would have been allowed but never allows deleting the last one.
func (s *Store) DeleteEnvironment(ctx context.Context, name string) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	err := s.environments.FindOne(ctx, bson.D{{Key: "name", Value: name}}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return storeerr.NotFound(storeerr.Environment, name)
	}
	if err != nil {
		return translate(err)
	}
	res, err := s.meta.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: envCountID}, {Key: "count", Value: bson.D{{Key: "$gt", Value: int64(1)}}}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "count", Value: int64(-1)}}}})
	if err != nil {
		return translate(err)
	}
	if res.MatchedCount == 0 {
		return &ff.Error{Code: ff.EINVALID, Message: "cannot delete the last environment; create another first", Field: "name"}
	}
	undo := func(err error) error {
		ctx, cancel := detached(ctx)
		defer cancel()
		_, uerr := s.meta.UpdateOne(ctx, envCounter, bson.D{{Key: "$inc", Value: bson.D{{Key: "count", Value: int64(1)}}}})
		if uerr != nil {
			return errors.Join(err, translate(uerr))
		}
		return err
	}
	// The flags first: should this fail, the environment is still there
	// and deleting it again finishes the job. From here on something may
	// have changed (UpdateMany is atomic per document only), so the
	// revision moves however this ends.
	defer s.bump(ctx)
	k := key(name)
	_, err = s.flags.UpdateMany(ctx,
		bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "environments." + k, Value: bson.D{{Key: "$exists", Value: true}}}},
			bson.D{{Key: "targeting." + k, Value: bson.D{{Key: "$exists", Value: true}}}},
		}}},
		bson.D{
			{Key: "$unset", Value: bson.D{{Key: "environments." + k, Value: ""}, {Key: "targeting." + k, Value: ""}}},
			{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}},
		})
	if err != nil {
		return undo(translate(err))
	}
	del, err := s.environments.DeleteOne(ctx, bson.D{{Key: "name", Value: name}})
	if err != nil {
		return undo(translate(err))
	}
	if del.DeletedCount == 0 { // deleted concurrently
		return undo(storeerr.NotFound(storeerr.Environment, name))
	}
	s.record(ctx) // the deferred bump follows
	return nil
}

// UpdateEnvironment replaces the settings of the environment e.Name.
func (s *Store) UpdateEnvironment(ctx context.Context, e *ff.Environment) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	res, err := s.environments.UpdateOne(ctx, bson.D{{Key: "name", Value: e.Name}}, settingsSet(e, false))
	if err != nil {
		return translate(err)
	}
	if res.MatchedCount == 0 {
		return storeerr.NotFound(storeerr.Environment, e.Name)
	}
	s.changed(ctx)
	return nil
}
