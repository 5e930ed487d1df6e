package mongo

import (
	"context"
	"errors"

	ff "github.com/featureflags/featureflags"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The revision document in meta: {_id: "revision", value: int64}.
const revisionID = "revision"

var revisionDoc = bson.D{{Key: "_id", Value: revisionID}}

// Revision returns a number that grows with every change made through any
// store on this database. Without multi-document transactions each write
// increments it right after its change, so a reader that sees a revision
// may already see a change the revision does not count yet (see Load).
func (s *Store) Revision(ctx context.Context) (int64, error) {
	var doc struct {
		Value int64 `bson:"value"`
	}
	err := s.meta.FindOne(ctx, revisionDoc).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, translate(err)
	}
	return doc.Value, nil
}

// bump increments the revision after a change. The change is done whatever
// happens here, so the caller's cancellation does not stop it and a failure
// is not reported as the change's: the change still reaches other processes
// at the next successful increment.
func (s *Store) bump(ctx context.Context) {
	ctx, cancel := detached(ctx)
	defer cancel()
	for range 3 {
		_, err := s.meta.UpdateOne(ctx, revisionDoc,
			bson.D{{Key: "$inc", Value: bson.D{{Key: "value", Value: int64(1)}}}},
			options.UpdateOne().SetUpsert(true))
		if err == nil || ctx.Err() != nil {
			return
		}
	}
}

// changed follows a successful change: it records the audit event ctx
// carries, if any, then increments the revision (see the package
// documentation).
func (s *Store) changed(ctx context.Context) {
	s.record(ctx)
	s.bump(ctx)
}

// Load returns every environment, flag and segment with the revision read
// before them. If the revision moved while they were read, it reads them
// again (a few times at most), so that in the usual case they are all of
// one revision; in any case the data is at least as new as the revision it
// is labeled with, so a reader that reloads when the revision grows never
// misses a change.
func (s *Store) Load(ctx context.Context) (*ff.Dataset, error) {
	var d *ff.Dataset
	for range 3 {
		rev, err := s.Revision(ctx)
		if err != nil {
			return nil, err
		}
		d = &ff.Dataset{Revision: rev}
		if d.Environments, err = s.ListEnvironments(ctx); err != nil {
			return nil, err
		}
		if d.Segments, err = s.ListSegments(ctx); err != nil {
			return nil, err
		}
		if d.Flags, err = s.ListFlags(ctx); err != nil {
			return nil, err
		}
		after, err := s.Revision(ctx)
		if err != nil {
			return nil, err
		}
		if after == rev {
			break
		}
	}
	return d, nil
}

// Import inserts d's environments, segments and flags, or replaces the ones
// of the same name (a flag or segment replacing one of another id takes its
// place under the imported id). Everything is encoded before anything is
// written, so bad input changes nothing; without multi-document
// transactions, though, a database error part way leaves the items before
// it imported. Import is idempotent: running it again completes it, and an
// import that changes nothing does not move the revision. The audit event
// ctx carries is recorded when the import succeeds, whether it changed
// anything or not.
func (s *Store) Import(ctx context.Context, d *ff.Dataset) (err error) {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	flags := make([]*flagDoc, 0, len(d.Flags))
	for _, f := range d.Flags {
		fd, err := encodeFlag(f)
		if err != nil {
			return ff.Errorf(ff.EINVALID, "flag %q: %v", f.Name, err)
		}
		flags = append(flags, fd)
	}
	segs := make([]*segmentDoc, 0, len(d.Segments))
	for _, sg := range d.Segments {
		sd, err := encodeSegment(sg)
		if err != nil {
			return ff.Errorf(ff.EINVALID, "segment %q: %v", sg.Name, err)
		}
		segs = append(segs, sd)
	}
	if err := s.checkImport(ctx, d); err != nil {
		return err
	}

	changed := false
	defer func() {
		if err == nil {
			s.record(ctx)
		}
		if changed {
			s.bump(ctx)
		}
	}()
	for _, e := range d.Environments {
		c, err := s.importEnvironment(ctx, e)
		changed = changed || c
		if err != nil {
			return err
		}
	}
	for _, sd := range segs {
		c, err := replaceByName(ctx, s.segments, sd.ID, sd.Name, sd)
		changed = changed || c
		if err != nil {
			return err
		}
	}
	marks, err := s.stepMarks(ctx)
	if err != nil {
		return err
	}
	for _, fd := range flags {
		fd.StepWrites = carryMarks(marks[fd.ID], nil) // as an update does (schedulerun.go)
		c, err := replaceByName(ctx, s.flags, fd.ID, fd.Name, fd)
		changed = changed || c
		if err != nil {
			return err
		}
	}
	return nil
}

// importEnvironment sets the creation time and settings of the environment
// named e.Name or creates it, reporting whether anything changed.
func (s *Store) importEnvironment(ctx context.Context, e *ff.Environment) (bool, error) {
	for range 2 {
		res, err := s.environments.UpdateOne(ctx, bson.D{{Key: "name", Value: e.Name}}, settingsSet(e, true))
		if err != nil {
			return false, translate(err)
		}
		if res.MatchedCount > 0 {
			return res.ModifiedCount > 0, nil
		}
		err = s.createEnvironment(ctx, e)
		if ff.ErrorCode(err) != ff.ECONFLICT { // created concurrently: update it
			return err == nil, err
		}
	}
	return false, ff.Errorf(ff.ECONFLICT, "environment %q is being created and deleted concurrently", e.Name)
}

// stepMarks returns the step-write marks of every flag that has some
// (schedulerun.go): the few written by a scheduled step lately.
func (s *Store) stepMarks(ctx context.Context) (map[string][]string, error) {
	cur, err := s.flags.Find(ctx, bson.D{{Key: "stepWrites", Value: bson.D{{Key: "$exists", Value: true}}}},
		options.Find().SetProjection(bson.D{{Key: "stepWrites", Value: 1}}))
	if err != nil {
		return nil, translate(err)
	}
	var docs []flagDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err)
	}
	marks := make(map[string][]string, len(docs))
	for _, d := range docs {
		marks[d.ID] = d.StepWrites
	}
	return marks, nil
}

// replaceByName stores doc under id, first deleting a document of the same
// name but another id, and reports whether anything changed.
func replaceByName(ctx context.Context, c *mongo.Collection, id, name string, doc any) (bool, error) {
	del, err := c.DeleteMany(ctx, bson.D{{Key: "name", Value: name}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: id}}}})
	if err != nil {
		return false, translate(err)
	}
	res, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc, options.Replace().SetUpsert(true))
	if err != nil {
		return del.DeletedCount > 0, writeError(ctx, c, "", err)
	}
	return del.DeletedCount > 0 || res.ModifiedCount > 0 || res.UpsertedCount > 0, nil
}
