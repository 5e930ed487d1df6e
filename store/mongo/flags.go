package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// flagDoc is a flag as stored; see the package documentation.
type flagDoc struct {
	ID           string        `bson:"_id"`
	Name         string        `bson:"name"`
	Description  string        `bson:"description"`
	Type         string        `bson:"type"`
	Variants     string        `bson:"variants,omitempty"`
	Environments bson.D        `bson:"environments"`        // key(env) -> int32 0|1, sorted by key
	Targeting    bson.D        `bson:"targeting,omitempty"` // key(env) -> JSON, sorted by key
	Tags         []string      `bson:"tags,omitempty"`
	Lifecycle    string        `bson:"lifecycle,omitempty"` // JSON (codec.EncodeLifecycle)
	Version      int64         `bson:"version"`
	CreatedAt    bson.DateTime `bson:"createdAt"`
	UpdatedAt    bson.DateTime `bson:"updatedAt"`
	// ToggledBy is the actor (JSON) of a toggle since the document was
	// last written whole: a toggle cannot change one field of the
	// lifecycle string, so its actor is kept beside it and wins.
	ToggledBy string `bson:"toggledBy,omitempty"`
	// StepWrites marks the flag as written by scheduled steps: the ids of
	// the latest such writes (stepWriteDoc.ID), oldest first, at most
	// maxStepMarks. Updates and steps carry them over to the document they
	// write; see schedulerun.go.
	StepWrites []string `bson:"stepWrites,omitempty"`
}

// maxStepMarks bounds a flag's StepWrites. A mark is needed until its step
// is settled, within claimLease; meanwhile only steps of the flag's other
// environments add marks (one environment's steps run one at a time).
const maxStepMarks = 8

// sortedKeys returns m's keys in order: documents are encoded with their
// fields in a fixed order, so that storing the same flag twice stores the
// same bytes (a replacement that differs only in field order would count as
// a modification, and Import must not change anything the second time).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func encodeFlag(f *ff.Flag) (*flagDoc, error) {
	d := &flagDoc{
		ID: f.ID, Name: f.Name, Description: f.Description, Type: string(f.Type),
		// Never nil: nil would be stored as null, and $bit cannot create a
		// field inside null.
		Environments: make(bson.D, 0, len(f.Environments)),
		Tags:         f.Tags,
		Version:      f.Version,
		CreatedAt:    date(f.CreatedAt),
		UpdatedAt:    date(f.UpdatedAt),
	}
	if len(f.Variants) > 0 {
		b, err := json.Marshal(f.Variants)
		if err != nil {
			return nil, fmt.Errorf("flag %s variants: %w", f.ID, err)
		}
		d.Variants = string(b)
	}
	if l, err := codec.EncodeLifecycle(f); err != nil {
		return nil, fmt.Errorf("flag %s lifecycle: %w", f.ID, err)
	} else if string(l) != "{}" {
		d.Lifecycle = string(l)
	}
	for _, env := range sortedKeys(f.Environments) {
		d.Environments = append(d.Environments, bson.E{Key: key(env), Value: bit(f.Environments[env])})
	}
	for _, env := range sortedKeys(f.Targeting) {
		b, err := json.Marshal(f.Targeting[env])
		if err != nil {
			return nil, fmt.Errorf("flag %s targeting: %w", f.ID, err)
		}
		d.Targeting = append(d.Targeting, bson.E{Key: key(env), Value: string(b)})
	}
	return d, nil
}

func decodeFlag(d *flagDoc) (*ff.Flag, error) {
	f := &ff.Flag{
		ID: d.ID, Name: d.Name, Description: d.Description, Type: ff.FlagType(d.Type),
		Environments: make(map[string]bool, len(d.Environments)),
		Version:      d.Version,
		CreatedAt:    fromDate(d.CreatedAt),
		UpdatedAt:    fromDate(d.UpdatedAt),
	}
	if err := codec.DecodeLifecycle(f, []byte(d.Lifecycle)); err != nil {
		return nil, fmt.Errorf("store: flag %s lifecycle: %w", d.ID, err)
	}
	if d.ToggledBy != "" { // "null": toggled by no one known
		if err := json.Unmarshal([]byte(d.ToggledBy), &f.UpdatedBy); err != nil {
			return nil, fmt.Errorf("store: flag %s toggledBy: %w", d.ID, err)
		}
	}
	if d.Variants != "" {
		if err := json.Unmarshal([]byte(d.Variants), &f.Variants); err != nil {
			return nil, fmt.Errorf("store: flag %s variants: %w", d.ID, err)
		}
		if len(f.Variants) == 0 {
			f.Variants = nil
		}
	}
	for _, e := range d.Environments {
		k, v := e.Key, e.Value
		env, err := unkey(k)
		if err != nil {
			return nil, fmt.Errorf("store: flag %s: %w", d.ID, err)
		}
		on, err := isOn(v)
		if err != nil {
			return nil, fmt.Errorf("store: flag %s environment %q: %w", d.ID, env, err)
		}
		f.Environments[env] = on
	}
	if len(d.Targeting) > 0 {
		f.Targeting = make(map[string]*ff.Targeting, len(d.Targeting))
		for _, e := range d.Targeting {
			env, err := unkey(e.Key)
			if err != nil {
				return nil, fmt.Errorf("store: flag %s: %w", d.ID, err)
			}
			v, ok := e.Value.(string)
			if !ok {
				return nil, fmt.Errorf("store: flag %s targeting %q: unexpected %T", d.ID, env, e.Value)
			}
			var t *ff.Targeting
			if err := json.Unmarshal([]byte(v), &t); err != nil {
				return nil, fmt.Errorf("store: flag %s targeting %q: %w", d.ID, env, err)
			}
			f.Targeting[env] = t
		}
	}
	if len(d.Tags) > 0 {
		f.Tags = d.Tags
	}
	return f, nil
}

// bit is the stored form of an environment's state: an int32, so that
// ToggleFlag can flip it with $bit xor.
func bit(on bool) int32 {
	if on {
		return 1
	}
	return 0
}

func isOn(v any) (bool, error) {
	switch v := v.(type) {
	case int32:
		return v != 0, nil
	case int64:
		return v != 0, nil
	case float64:
		return v != 0, nil
	case bool:
		return v, nil
	}
	return false, fmt.Errorf("unexpected state of type %T", v)
}

// key escapes an environment name for use as a document key: MongoDB reads
// '.' as a path separator and '$' as an operator.
func key(env string) string {
	if !strings.ContainsAny(env, "%.$") {
		return env
	}
	var b strings.Builder
	for i := 0; i < len(env); i++ {
		switch c := env[i]; c {
		case '%', '.', '$':
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unkey is the inverse of key.
func unkey(k string) (string, error) {
	if !strings.Contains(k, "%") {
		return k, nil
	}
	var b strings.Builder
	for i := 0; i < len(k); i++ {
		if k[i] != '%' {
			b.WriteByte(k[i])
			continue
		}
		if i+2 >= len(k) {
			return "", fmt.Errorf("bad environment key %q", k)
		}
		c, err := strconv.ParseUint(k[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("bad environment key %q", k)
		}
		b.WriteByte(byte(c))
		i += 2
	}
	return b.String(), nil
}

// ListFlags returns every flag ordered by name, byte-wise.
func (s *Store) ListFlags(ctx context.Context) ([]*ff.Flag, error) {
	flags, err := findAll(ctx, s.flags, bson.D{}, decodeFlag)
	if err != nil {
		return nil, err
	}
	// Sorted here rather than by the server, so that the order is byte-wise
	// whatever default collation the collection may have been given.
	slices.SortFunc(flags, func(a, b *ff.Flag) int { return strings.Compare(a.Name, b.Name) })
	return flags, nil
}

// FindFlag returns the flag whose id, or else whose name, is idOrName.
func (s *Store) FindFlag(ctx context.Context, idOrName string) (*ff.Flag, error) {
	d, err := findByIDOrName(ctx, s.flags, idOrName, func(d *flagDoc) string { return d.ID })
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, storeerr.NotFound(storeerr.Flag, idOrName)
	}
	return decodeFlag(d)
}

// CreateFlag inserts f.
func (s *Store) CreateFlag(ctx context.Context, f *ff.Flag) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	d, err := encodeFlag(f)
	if err != nil {
		return err
	}
	refs := f.SegmentRefs()
	if err := s.requireSegments(ctx, "targeting", refs); err != nil {
		return err
	}
	if err := s.checkPrerequisites(ctx, nil, f); err != nil {
		return err
	}
	if _, err = s.flags.InsertOne(ctx, d); err != nil {
		return writeError(ctx, s.flags, f.ID, err)
	}
	if err := s.requireSegments(ctx, "targeting", refs); err != nil {
		s.undoInsert(ctx, s.flags, f.ID, f.Version)
		return err
	}
	if err := s.checkPrerequisites(ctx, nil, f); err != nil {
		s.undoInsert(ctx, s.flags, f.ID, f.Version)
		return err
	}
	s.changed(ctx)
	return nil
}

// UpdateFlag replaces the flag f.ID by f if its version is expectVersion.
func (s *Store) UpdateFlag(ctx context.Context, f *ff.Flag, expectVersion int64) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	d, err := encodeFlag(f)
	if err != nil {
		return err
	}
	if err := s.replaceFlag(ctx, f, d, expectVersion); err != nil {
		return err
	}
	s.changed(ctx)
	return nil
}

// replaceFlag replaces the flag f.ID, if its version is expectVersion, by
// d, f as stored, checking the segments and prerequisites f names before
// and after the write (undone if they fail after). The marks of step
// writes the flag carries are carried over, after d's own.
func (s *Store) replaceFlag(ctx context.Context, f *ff.Flag, d *flagDoc, expectVersion int64) error {
	refs := f.SegmentRefs()
	if err := s.requireSegments(ctx, "targeting", refs); err != nil {
		return err
	}
	doc := *d
	var raw flagDoc
	if err := s.flags.FindOne(ctx, bson.D{{Key: "_id", Value: f.ID}}).Decode(&raw); err == nil {
		if cur, err := decodeFlag(&raw); err == nil {
			if err := s.checkPrerequisites(ctx, cur, f); err != nil {
				return err
			}
		}
		if expectVersion == ff.AnyVersion || raw.Version == expectVersion {
			doc.StepWrites = carryMarks(raw.StepWrites, d.StepWrites)
		}
	}
	old, err := replaceKeepingOld[flagDoc](ctx, s.flags, f.ID, expectVersion, &doc, storeerr.Flag)
	if err != nil {
		return err
	}
	if err := s.requireSegments(ctx, "targeting", refs); err != nil {
		s.undoReplace(ctx, s.flags, f.ID, f.Version, old)
		return err
	}
	prev, err := decodedOld(old)
	if err == nil {
		err = s.checkPrerequisites(ctx, prev, f)
	}
	if err != nil {
		s.undoReplace(ctx, s.flags, f.ID, f.Version, old)
	}
	return err
}

// carryMarks is the marks of a flag's step writes, had, followed by own,
// the newest maxStepMarks.
func carryMarks(had, own []string) []string {
	marks := append(slices.Clip(had), own...)
	return marks[max(0, len(marks)-maxStepMarks):]
}

// DeleteFlag deletes the flag id if its version is expectVersion.
func (s *Store) DeleteFlag(ctx context.Context, id string, expectVersion int64) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	if cur, err := s.FindFlag(ctx, id); err == nil && cur.ID == id {
		if err := s.checkPrerequisites(ctx, cur, nil); err != nil {
			return err
		}
	}
	var old flagDoc
	err := s.flags.FindOneAndDelete(ctx, byID(id, expectVersion)).Decode(&old)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return missingOrStale(ctx, s.flags, storeerr.Flag, id, expectVersion)
	}
	if err != nil {
		return translate(err)
	}
	prev, err := decodeFlag(&old)
	if err == nil {
		err = s.checkPrerequisites(ctx, prev, nil)
	}
	if err != nil {
		s.undo(ctx, func(ctx context.Context) error {
			_, err := s.flags.InsertOne(ctx, &old)
			return err
		})
		return err
	}
	s.changed(ctx)
	return nil
}

// ToggleFlag flips the flag's state in env with one findAndModify: $bit xor
// flips the int32 state (a missing state counts as 0, off, and becomes 1),
// $inc bumps the version and $set the update time, all in one atomic
// single-document update filtered by id and, if given, version.
func (s *Store) ToggleFlag(ctx context.Context, id, env string, expectVersion int64, now time.Time) (*ff.Flag, error) {
	if err := prepareEvent(ctx); err != nil {
		return nil, err
	}
	update := bson.D{
		{Key: "$bit", Value: bson.D{{Key: "environments." + key(env), Value: bson.D{{Key: "xor", Value: int32(1)}}}}},
		{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}},
		{Key: "$set", Value: bson.D{{Key: "updatedAt", Value: date(now)}, {Key: "toggledBy", Value: codec.ToggledBy(ctx)}}},
	}
	var d flagDoc
	err := s.flags.FindOneAndUpdate(ctx, byID(id, expectVersion), update,
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, missingOrStale(ctx, s.flags, storeerr.Flag, id, expectVersion)
	}
	if err != nil {
		return nil, translate(err)
	}
	f, err := decodeFlag(&d)
	if err != nil {
		s.bump(ctx) // toggled all the same
		return nil, err
	}
	// The event's states are those of the document the update returned.
	if ev := ff.AuditFrom(ctx); ev != nil {
		codec.SetToggle(ev, env, f.Environments[env])
	}
	s.changed(ctx)
	return f, nil
}
