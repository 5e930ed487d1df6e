package mongo

import (
	"context"
	"errors"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/prereq"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Prerequisites are checked as segment references are (refs.go): before
// the write, and again after it, undoing it if the second check fails, so
// that of two racing writers that together would close a cycle or require
// a flag being deleted, at least one sees the other and undoes itself.

// flagByName returns the stored flag named name, or nil.
func (s *Store) flagByName(ctx context.Context, name string) (*ff.Flag, error) {
	var d flagDoc
	err := s.flags.FindOne(ctx, bson.D{{Key: "name", Value: name}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	return decodeFlag(&d)
}

// checkPrerequisites checks f as written in place of prev (nil for a new
// flag; f nil for a deletion), as package prereq says.
func (s *Store) checkPrerequisites(ctx context.Context, prev, f *ff.Flag) error {
	if prev != nil && prereq.Gone(prev, f) {
		flags, err := s.ListFlags(ctx)
		if err != nil {
			return err
		}
		if users := prereq.Users(flags, prev.Name); len(users) > 0 {
			return storeerr.PrerequisiteInUse(prev.Name, users)
		}
	}
	if f == nil {
		return nil
	}
	return prereq.Check(ctx, f, s.flagByName)
}

// decodedOld decodes the document a write replaced, for checkPrerequisites.
func decodedOld(d *flagDoc) (*ff.Flag, error) {
	if d == nil {
		return nil, nil
	}
	return decodeFlag(d)
}
