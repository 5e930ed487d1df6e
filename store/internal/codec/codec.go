// Package codec converts the parts of flags and segments that relational
// stores keep as JSON columns, and times, to and from their stored form, so
// that every SQL store reads and writes them the same way.
package codec

import (
	"encoding/json"
	"fmt"
	"time"

	ff "github.com/featureflags/featureflags"
)

// FlagColumns are a flag's JSON-encoded columns.
type FlagColumns struct {
	Variants, Environments, Targeting, Tags []byte
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
