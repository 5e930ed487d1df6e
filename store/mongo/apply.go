package mongo

import (
	"context"
	"slices"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/prereq"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Apply makes c if the revision is still c.Revision. Without
// multi-document transactions the check and the writes are separate steps:
// a write by another process between them is not detected (the service's
// write lock covers writes through one server), and a database error part
// way leaves the steps before it made; applying again completes it.
func (s *Store) Apply(ctx context.Context, c *ff.Change) error {
	rev, err := s.Revision(ctx)
	if err != nil {
		return err
	}
	if err := storeerr.CheckRevision(c.Revision, rev); err != nil {
		return err
	}
	if err := s.checkDeletions(ctx, c); err != nil {
		return err
	}
	if err := s.Import(ctx, c.Dataset); err != nil {
		return err
	}
	quiet := ff.WithAudit(ctx, nil) // the import recorded the event
	var deleted int64
	for _, del := range []struct {
		coll *mongo.Collection
		ids  []string
	}{{s.flags, c.DeleteFlags}, {s.segments, c.DeleteSegments}} {
		if len(del.ids) == 0 {
			continue
		}
		res, err := del.coll.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: del.ids}}}})
		if err != nil {
			return translate(err)
		}
		deleted += res.DeletedCount
	}
	for _, name := range c.DeleteEnvironments {
		if err := s.DeleteEnvironment(quiet, name); err != nil && ff.ErrorCode(err) != ff.ENOTFOUND {
			return err
		}
	}
	if deleted > 0 {
		s.bump(ctx)
	}
	return nil
}

// checkDeletions refuses a change that deletes a flag that a flag it keeps
// requires, before anything is written.
func (s *Store) checkDeletions(ctx context.Context, c *ff.Change) error {
	if len(c.DeleteFlags) == 0 {
		return nil
	}
	cur, err := s.Load(ctx)
	if err != nil {
		return err
	}
	flags := mergeByName(cur.Flags, c.Dataset.Flags, func(f *ff.Flag) string { return f.Name })
	kept := flags[:0]
	for _, f := range flags {
		if !slices.Contains(c.DeleteFlags, f.ID) {
			kept = append(kept, f)
		}
	}
	return prereq.CheckAll(ctx, kept)
}
