package mongo

import (
	"context"
	"errors"
	"fmt"
	"slices"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/prereq"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Segment references without multi-document transactions: every write
// that adds a reference, or removes or renames a segment, checks before it
// writes, writes (one conditional single-document write), checks again and,
// if the second check fails, undoes its write. Of two racing writers,
// each writes before it reads what the other writes, so at least one sees
// the other and undoes itself (both may). Between a write and its undoing,
// readers may see it: a flag on a segment just deleted, say. Such a
// transient write never gets an audit event, and the revision moves after
// the undo so that views read again.

// missingSegment returns the first of names no segment has, or "".
func (s *Store) missingSegment(ctx context.Context, names []string) (string, error) {
	if len(names) == 0 {
		return "", nil
	}
	cur, err := s.segments.Find(ctx, bson.D{{Key: "name", Value: bson.D{{Key: "$in", Value: names}}}},
		options.Find().SetProjection(bson.D{{Key: "name", Value: 1}}))
	if err != nil {
		return "", translate(err)
	}
	var docs []struct {
		Name string `bson:"name"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return "", translate(err)
	}
	found := make(map[string]bool, len(docs))
	for _, d := range docs {
		found[d.Name] = true
	}
	for _, n := range names {
		if !found[n] {
			return n, nil
		}
	}
	return "", nil
}

// requireSegments refuses, as field, a reference to a missing segment.
func (s *Store) requireSegments(ctx context.Context, field string, names []string) error {
	missing, err := s.missingSegment(ctx, names)
	if err != nil || missing == "" {
		return err
	}
	return storeerr.MissingSegment(field, missing)
}

// segmentUser names a flag or a segment other than the one with id self
// that refers to the segment name, or returns "" when there is none or
// another segment has that name.
func (s *Store) segmentUser(ctx context.Context, name, self string) (string, error) {
	segs, err := s.ListSegments(ctx)
	if err != nil {
		return "", err
	}
	user := ""
	for _, sg := range segs {
		if sg.ID == self {
			continue
		}
		if sg.Name == name {
			return "", nil
		}
		if user == "" && slices.Contains(sg.SegmentRefs(), name) {
			user = fmt.Sprintf("segment %q", sg.Name)
		}
	}
	if user != "" {
		return user, nil
	}
	flags, err := s.ListFlags(ctx)
	if err != nil {
		return "", err
	}
	for _, f := range flags {
		if slices.Contains(f.SegmentRefs(), name) {
			return fmt.Sprintf("flag %q", f.Name), nil
		}
	}
	return "", nil
}

// refuseUsed returns refusal(name, user) if something refers to the
// segment name (see segmentUser).
func (s *Store) refuseUsed(ctx context.Context, name, self string, refusal func(name, user string) error) error {
	user, err := s.segmentUser(ctx, name, self)
	if err != nil || user == "" {
		return err
	}
	return refusal(name, user)
}

// checkSegment checks sg, stored under a name that was oldName ("" for
// none): what it refers to exists, nothing refers to its old name, and no
// segments refer to each other in a cycle.
func (s *Store) checkSegment(ctx context.Context, sg *ff.Segment, oldName string) error {
	if err := s.requireSegments(ctx, "conditions", sg.SegmentRefs()); err != nil {
		return err
	}
	if oldName != "" && oldName != sg.Name {
		if err := s.refuseUsed(ctx, oldName, sg.ID, storeerr.SegmentRenameInUse); err != nil {
			return err
		}
	}
	segs, err := s.ListSegments(ctx)
	if err != nil {
		return err
	}
	if cycle := ff.SegmentCycle(segs); cycle != nil {
		return storeerr.SegmentCycle(cycle)
	}
	return nil
}

// undo runs a compensating write even if ctx has just been canceled, then
// moves the revision, since readers may have seen what it undid.
func (s *Store) undo(ctx context.Context, write func(ctx context.Context) error) {
	dctx, cancel := detached(ctx)
	defer cancel()
	_ = write(dctx) // a later write replaced ours: nothing to undo
	s.bump(ctx)
}

// undoInsert deletes the document id at version, inserted by a write whose
// check failed.
func (s *Store) undoInsert(ctx context.Context, c *mongo.Collection, id string, version int64) {
	s.undo(ctx, func(ctx context.Context) error {
		_, err := c.DeleteOne(ctx, byID(id, version))
		return err
	})
}

// undoReplace puts old back in place of the document id at version.
func (s *Store) undoReplace(ctx context.Context, c *mongo.Collection, id string, version int64, old any) {
	s.undo(ctx, func(ctx context.Context) error {
		_, err := c.ReplaceOne(ctx, byID(id, version), old)
		return err
	})
}

// checkImport checks the references of d as it would leave the store,
// before Import writes anything.
func (s *Store) checkImport(ctx context.Context, d *ff.Dataset) error {
	cur, err := s.Load(ctx)
	if err != nil {
		return err
	}
	segs := mergeByName(cur.Segments, d.Segments, func(sg *ff.Segment) string { return sg.Name })
	flags := mergeByName(cur.Flags, d.Flags, func(f *ff.Flag) string { return f.Name })
	names := map[string]bool{}
	for _, sg := range segs {
		names[sg.Name] = true
	}
	for _, sg := range segs {
		if err := refsExist(names, "conditions", sg.SegmentRefs()); err != nil {
			return err
		}
	}
	for _, f := range flags {
		if err := refsExist(names, "targeting", f.SegmentRefs()); err != nil {
			return err
		}
	}
	if cycle := ff.SegmentCycle(segs); cycle != nil {
		return storeerr.SegmentCycle(cycle)
	}
	return prereq.CheckAll(ctx, flags)
}

func refsExist(names map[string]bool, field string, refs []string) error {
	for _, r := range refs {
		if !names[r] {
			return storeerr.MissingSegment(field, r)
		}
	}
	return nil
}

// mergeByName returns cur with the items of in replacing those of the
// same name, and the others of in added.
func mergeByName[T any](cur, in []T, name func(T) string) []T {
	byName := make(map[string]T, len(cur)+len(in))
	for _, x := range cur {
		byName[name(x)] = x
	}
	for _, x := range in {
		byName[name(x)] = x
	}
	out := make([]T, 0, len(byName))
	for _, x := range byName {
		out = append(out, x)
	}
	return out
}

// replaceKeepingOld replaces the document id, if its version is
// expectVersion (or that is AnyVersion), by doc and returns the document
// it replaced, for undoReplace.
func replaceKeepingOld[D any](ctx context.Context, c *mongo.Collection, id string, expectVersion int64, doc any, kind string) (*D, error) {
	var old D
	err := c.FindOneAndReplace(ctx, byID(id, expectVersion), doc,
		options.FindOneAndReplace().SetReturnDocument(options.Before)).Decode(&old)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, missingOrStale(ctx, c, kind, id, expectVersion)
	}
	if err != nil {
		return nil, writeError(ctx, c, "", err)
	}
	return &old, nil
}
