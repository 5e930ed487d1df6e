package mongo

import (
	"context"
	"errors"
	"slices"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// requestDoc is a change request: the request as JSON, with the fields
// lists and conditional updates need beside it.
type requestDoc struct {
	ID        string        `bson:"_id"`
	FlagID    string        `bson:"flagId"`
	Status    string        `bson:"status"`
	Version   int64         `bson:"version"`
	CreatedAt bson.DateTime `bson:"createdAt"`
	Doc       string        `bson:"doc"`
}

func encodeRequest(r *ff.ChangeRequest) (*requestDoc, error) {
	b, err := codec.EncodeChangeRequest(r)
	if err != nil {
		return nil, err
	}
	return &requestDoc{ID: r.ID, FlagID: r.FlagID, Status: r.Status, Version: r.Version, CreatedAt: date(r.CreatedAt), Doc: string(b)}, nil
}

func decodeRequest(d *requestDoc) (*ff.ChangeRequest, error) {
	return codec.DecodeChangeRequest([]byte(d.Doc))
}

// ListChangeRequests returns the requests with this status ("": all),
// newest first.
func (s *Store) ListChangeRequests(ctx context.Context, status string) ([]*ff.ChangeRequest, error) {
	if !slices.Contains(codec.ChangeRequestStatuses, status) {
		return nil, ff.FieldErrorf("status", "unknown status %q", status)
	}
	filter := bson.D{}
	if status != "" {
		filter = bson.D{{Key: "status", Value: status}}
	}
	return findAll(ctx, s.requests, filter, decodeRequest,
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}))
}

// FindChangeRequest returns the request with this id.
func (s *Store) FindChangeRequest(ctx context.Context, id string) (*ff.ChangeRequest, error) {
	var d requestDoc
	err := s.requests.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, storeerr.NotFound(storeerr.ChangeRequest, id)
	}
	if err != nil {
		return nil, translate(err)
	}
	return decodeRequest(&d)
}

// CreateChangeRequest inserts r.
func (s *Store) CreateChangeRequest(ctx context.Context, r *ff.ChangeRequest) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	d, err := encodeRequest(r)
	if err != nil {
		return err
	}
	if _, err := s.requests.InsertOne(ctx, d); err != nil {
		return writeError(ctx, s.requests, r.ID, err)
	}
	s.changed(ctx)
	return nil
}

// UpdateChangeRequest replaces the request r.ID by r if it is at
// expectVersion.
func (s *Store) UpdateChangeRequest(ctx context.Context, r *ff.ChangeRequest, expectVersion int64) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	if _, err := s.replaceRequest(ctx, r, expectVersion); err != nil {
		return err
	}
	s.changed(ctx)
	return nil
}

func (s *Store) replaceRequest(ctx context.Context, r *ff.ChangeRequest, expectVersion int64) (*requestDoc, error) {
	d, err := encodeRequest(r)
	if err != nil {
		return nil, err
	}
	return replaceKeepingOld[requestDoc](ctx, s.requests, r.ID, expectVersion, d, storeerr.ChangeRequest)
}

// ApplyChangeRequest records r and then makes its change to the flag.
// Without transactions, the request is claimed first (a conditional
// replace of one document, so two concurrent applications cannot both
// pass) and put back should the flag's change be refused.
func (s *Store) ApplyChangeRequest(ctx context.Context, r *ff.ChangeRequest, expectVersion int64) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	var fd *flagDoc
	if r.After != nil {
		var err error
		if fd, err = encodeFlag(r.After); err != nil {
			return err
		}
		if err := s.requireSegments(ctx, "targeting", r.After.SegmentRefs()); err != nil {
			return err
		}
	}
	// A flag changed meanwhile, the usual refusal, is refused before the
	// claim, whose undoing would move the revision.
	if err := s.flagAt(ctx, r.FlagID, r.Before.Version); err != nil {
		return err
	}
	old, err := s.replaceRequest(ctx, r, expectVersion)
	if err != nil {
		return err
	}
	if err := s.applyToFlag(ctx, r, fd); err != nil {
		s.undoReplace(ctx, s.requests, r.ID, r.Version, old)
		return err
	}
	s.changed(ctx)
	return nil
}

// applyToFlag writes fd, r.After's document, or deletes the flag when r
// has no After, if the flag is at r.Before's version.
func (s *Store) applyToFlag(ctx context.Context, r *ff.ChangeRequest, fd *flagDoc) error {
	if fd == nil {
		res, err := s.flags.DeleteOne(ctx, byID(r.FlagID, r.Before.Version))
		if err != nil {
			return translate(err)
		}
		if res.DeletedCount == 0 {
			return missingOrStale(ctx, s.flags, storeerr.Flag, r.FlagID, r.Before.Version)
		}
		return nil
	}
	old, err := replaceKeepingOld[flagDoc](ctx, s.flags, r.FlagID, r.Before.Version, fd, storeerr.Flag)
	if err != nil {
		return err
	}
	if err := s.requireSegments(ctx, "targeting", r.After.SegmentRefs()); err != nil {
		s.undoReplace(ctx, s.flags, r.FlagID, r.After.Version, old)
		return err
	}
	return nil
}

// flagAt returns nil if the flag id is at version, else why not.
func (s *Store) flagAt(ctx context.Context, id string, version int64) error {
	err := s.flags.FindOne(ctx, byID(id, version), options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return missingOrStale(ctx, s.flags, storeerr.Flag, id, version)
	}
	return translate(err)
}
