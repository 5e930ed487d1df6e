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
	// Applying is set while the request is being applied (see
	// ApplyChangeRequest).
	Applying *applyingDoc `bson:"applying,omitempty"`
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
	if err := s.settleAll(ctx); err != nil {
		return nil, err
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
	if d.Applying != nil {
		// Left half applied: settle it and read what it became.
		if _, err := s.settle(ctx, id, d.Applying); err != nil {
			return nil, err
		}
		return s.FindChangeRequest(ctx, id)
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

// marksAt returns the step-write marks of the flag id (schedulerun.go) if
// it is at version, else why not.
func (s *Store) marksAt(ctx context.Context, id string, version int64) ([]string, error) {
	var d flagDoc
	err := s.flags.FindOne(ctx, byID(id, version), options.FindOne().SetProjection(bson.D{{Key: "stepWrites", Value: 1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, missingOrStale(ctx, s.flags, storeerr.Flag, id, version)
	}
	return d.StepWrites, translate(err)
}
