// Package codec converts the parts of flags and segments that relational
// stores keep as JSON columns, and times, to and from their stored form, so
// that every SQL store reads and writes them the same way.
package codec

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	ff "github.com/featureflags/featureflags"
)

// FlagColumns are a flag's JSON-encoded columns.
type FlagColumns struct {
	Variants, Environments, Targeting, Tags, Lifecycle []byte
}

// lifecycle is the stored form of a flag's lifecycle fields, one JSON
// column; times are Unix milliseconds, as elsewhere.
type lifecycle struct {
	Owner      string      `json:"owner,omitempty"`
	Kind       ff.FlagKind `json:"kind,omitempty"`
	ExpiresAt  *int64      `json:"expiresAt,omitempty"`
	ArchivedAt *int64      `json:"archivedAt,omitempty"`
	UpdatedBy  *ff.Actor   `json:"updatedBy,omitempty"`
}

// EncodeLifecycle encodes f's owner, kind, expiry and archive time as one
// JSON object ("{}" when all are empty).
func EncodeLifecycle(f *ff.Flag) ([]byte, error) {
	l := lifecycle{Owner: f.Owner, Kind: f.Kind, ExpiresAt: optMillis(f.ExpiresAt), ArchivedAt: optMillis(f.ArchivedAt), UpdatedBy: f.UpdatedBy}
	return json.Marshal(l)
}

// DecodeLifecycle sets f's lifecycle fields from EncodeLifecycle's form.
func DecodeLifecycle(f *ff.Flag, b []byte) error {
	var l lifecycle
	if err := unmarshalNonEmpty(b, &l); err != nil {
		return err
	}
	f.Owner, f.Kind, f.ExpiresAt, f.ArchivedAt = l.Owner, l.Kind, OptTime(l.ExpiresAt), OptTime(l.ArchivedAt)
	f.UpdatedBy = l.UpdatedBy
	return nil
}

func optMillis(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	ms := Millis(*t)
	return &ms
}

// ToggledBy is the JSON of the actor of the audit event in ctx, which a
// store's toggle writes as the flag's updatedBy ("null" without one).
func ToggledBy(ctx context.Context) string {
	ev := ff.AuditFrom(ctx)
	if ev == nil {
		return "null"
	}
	b, _ := json.Marshal(ev.Actor) // plain strings
	return string(b)
}

// EncodeFlag encodes f's structured fields. Empty values encode as "{}" or
// "[]" so the columns can be NOT NULL.
func EncodeFlag(f *ff.Flag) (FlagColumns, error) {
	var c FlagColumns
	var err error
	if c.Variants, err = marshalOr(f.Variants, "{}"); err != nil {
		return c, err
	}
	if c.Environments, err = marshalOr(f.Environments, "{}"); err != nil {
		return c, err
	}
	if c.Targeting, err = marshalOr(f.Targeting, "{}"); err != nil {
		return c, err
	}
	if c.Tags, err = marshalOr(f.Tags, "[]"); err != nil {
		return c, err
	}
	if c.Lifecycle, err = EncodeLifecycle(f); err != nil {
		return c, err
	}
	return c, nil
}

// DecodeFlag sets f's structured fields from their columns.
func DecodeFlag(f *ff.Flag, c FlagColumns) error {
	f.Variants, f.Environments, f.Targeting, f.Tags = nil, nil, nil, nil
	if err := unmarshalNonEmpty(c.Variants, &f.Variants); err != nil {
		return fmt.Errorf("flag %s variants: %w", f.ID, err)
	}
	if err := unmarshalNonEmpty(c.Environments, &f.Environments); err != nil {
		return fmt.Errorf("flag %s environments: %w", f.ID, err)
	}
	if err := unmarshalNonEmpty(c.Targeting, &f.Targeting); err != nil {
		return fmt.Errorf("flag %s targeting: %w", f.ID, err)
	}
	if err := unmarshalNonEmpty(c.Tags, &f.Tags); err != nil {
		return fmt.Errorf("flag %s tags: %w", f.ID, err)
	}
	if err := DecodeLifecycle(f, c.Lifecycle); err != nil {
		return fmt.Errorf("flag %s lifecycle: %w", f.ID, err)
	}
	if f.Environments == nil {
		f.Environments = map[string]bool{}
	}
	return nil
}

// EncodeConditions encodes a segment's conditions.
func EncodeConditions(cs []ff.Condition) ([]byte, error) { return marshalOr(cs, "[]") }

// DecodeConditions decodes a segment's conditions.
func DecodeConditions(b []byte) ([]ff.Condition, error) {
	var cs []ff.Condition
	err := unmarshalNonEmpty(b, &cs)
	return cs, err
}

// Millis is the stored form of a time: Unix milliseconds. The service
// truncates times to milliseconds, which every store can hold exactly.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// Time is the inverse of Millis, in UTC.
func Time(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func marshalOr[T any](v T, empty string) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if string(b) == "null" {
		return []byte(empty), nil
	}
	return b, nil
}

func unmarshalNonEmpty(b []byte, v any) error {
	if len(b) == 0 || string(b) == "{}" || string(b) == "[]" || string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, v)
}
