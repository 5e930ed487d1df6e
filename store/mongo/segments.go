package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

type segmentDoc struct {
	ID          string        `bson:"_id"`
	Name        string        `bson:"name"`
	Description string        `bson:"description"`
	Match       string        `bson:"match"`
	Conditions  string        `bson:"conditions"` // JSON array
	Version     int64         `bson:"version"`
	CreatedAt   bson.DateTime `bson:"createdAt"`
	UpdatedAt   bson.DateTime `bson:"updatedAt"`
}

func encodeSegment(sg *ff.Segment) (*segmentDoc, error) {
	conds := "[]"
	if len(sg.Conditions) > 0 {
		b, err := json.Marshal(sg.Conditions)
		if err != nil {
			return nil, fmt.Errorf("segment %s conditions: %w", sg.ID, err)
		}
		conds = string(b)
	}
	return &segmentDoc{
		ID: sg.ID, Name: sg.Name, Description: sg.Description, Match: sg.Match,
		Conditions: conds, Version: sg.Version,
		CreatedAt: date(sg.CreatedAt), UpdatedAt: date(sg.UpdatedAt),
	}, nil
}

func decodeSegment(d *segmentDoc) (*ff.Segment, error) {
	sg := &ff.Segment{
		ID: d.ID, Name: d.Name, Description: d.Description, Match: d.Match, Version: d.Version,
		CreatedAt: fromDate(d.CreatedAt), UpdatedAt: fromDate(d.UpdatedAt),
	}
	if d.Conditions != "" && d.Conditions != "[]" {
		if err := json.Unmarshal([]byte(d.Conditions), &sg.Conditions); err != nil {
			return nil, fmt.Errorf("store: segment %s conditions: %w", d.ID, err)
		}
	}
	return sg, nil
}

// ListSegments returns every segment ordered by name, byte-wise.
func (s *Store) ListSegments(ctx context.Context) ([]*ff.Segment, error) {
	segs, err := findAll(ctx, s.segments, bson.D{}, decodeSegment)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(segs, func(a, b *ff.Segment) int { return strings.Compare(a.Name, b.Name) })
	return segs, nil
}

// FindSegment returns the segment whose id, or else whose name, is idOrName.
func (s *Store) FindSegment(ctx context.Context, idOrName string) (*ff.Segment, error) {
	d, err := findByIDOrName(ctx, s.segments, idOrName, func(d *segmentDoc) string { return d.ID })
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, storeerr.NotFound(storeerr.Segment, idOrName)
	}
	return decodeSegment(d)
}

// CreateSegment inserts sg.
func (s *Store) CreateSegment(ctx context.Context, sg *ff.Segment) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	d, err := encodeSegment(sg)
	if err != nil {
		return err
	}
	if err := s.requireSegments(ctx, "conditions", sg.SegmentRefs()); err != nil {
		return err
	}
	if _, err = s.segments.InsertOne(ctx, d); err != nil {
		return writeError(ctx, s.segments, sg.ID, err)
	}
	if err := s.checkSegment(ctx, sg, ""); err != nil {
		s.undoInsert(ctx, s.segments, sg.ID, sg.Version)
		return err
	}
	s.changed(ctx)
	return nil
}

// UpdateSegment replaces the segment sg.ID by sg if its version is expectVersion.
func (s *Store) UpdateSegment(ctx context.Context, sg *ff.Segment, expectVersion int64) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	d, err := encodeSegment(sg)
	if err != nil {
		return err
	}
	if err := s.requireSegments(ctx, "conditions", sg.SegmentRefs()); err != nil {
		return err
	}
	old, err := replaceKeepingOld[segmentDoc](ctx, s.segments, sg.ID, expectVersion, d, storeerr.Segment)
	if err != nil {
		return err
	}
	if err := s.checkSegment(ctx, sg, old.Name); err != nil {
		s.undoReplace(ctx, s.segments, sg.ID, sg.Version, old)
		return err
	}
	s.changed(ctx)
	return nil
}

// DeleteSegment deletes the segment id if its version is expectVersion.
func (s *Store) DeleteSegment(ctx context.Context, id string, expectVersion int64) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	if cur, err := s.FindSegment(ctx, id); err == nil && cur.ID == id {
		if err := s.refuseUsed(ctx, cur.Name, id, storeerr.SegmentInUse); err != nil {
			return err
		}
	}
	var old segmentDoc
	err := s.segments.FindOneAndDelete(ctx, byID(id, expectVersion)).Decode(&old)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return missingOrStale(ctx, s.segments, storeerr.Segment, id, expectVersion)
	}
	if err != nil {
		return translate(err)
	}
	if err := s.refuseUsed(ctx, old.Name, old.ID, storeerr.SegmentInUse); err != nil {
		s.undo(ctx, func(ctx context.Context) error {
			_, err := s.segments.InsertOne(ctx, &old)
			return err
		})
		return err
	}
	s.changed(ctx)
	return nil
}
