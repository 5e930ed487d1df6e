package storeerr

import (
	"errors"
	"strings"
	"testing"

	ff "github.com/featureflags/featureflags"
)

var cause = errors.New("driver text: UNIQUE constraint failed")

func TestDuplicate(t *testing.T) {
	for _, tt := range []struct {
		key, field, message string
	}{
		{"flags.name", "name", "a flag with this name already exists; choose another name"},
		{"flags.id", "_id", "a flag with this id already exists"},
		{"environments.name", "name", "an environment with this name already exists; choose another name"},
		{"tokens.hash", "", "a token with this secret already exists"},
	} {
		err := Duplicate(tt.key, cause)
		if ff.ErrorCode(err) != ff.ECONFLICT || ff.ErrorField(err) != tt.field || ff.ErrorMessage(err) != tt.message {
			t.Errorf("Duplicate(%s) = %v, want %s field %q message %q", tt.key, err, ff.ECONFLICT, tt.field, tt.message)
		}
		if !errors.Is(err, cause) {
			t.Errorf("Duplicate(%s) lost its cause", tt.key)
		}
	}
	for _, key := range []string{"audit.id", "", "pg_type.typname"} {
		if err := Duplicate(key, cause); ff.ErrorCode(err) != ff.EINTERNAL || !errors.Is(err, cause) {
			t.Errorf("Duplicate(%q) = %v, want an internal error wrapping the cause", key, err)
		}
	}
}

func TestTranslate(t *testing.T) {
	known := Unavailable(cause)
	driver := func(err error) error {
		if err == cause {
			return known
		}
		return nil
	}
	if Translate(nil, driver) != nil {
		t.Error("Translate(nil) != nil")
	}
	domain := NotFound(Flag, "x")
	if got := Translate(domain, driver); got != domain {
		t.Errorf("Translate(domain error) = %v, want it unchanged", got)
	}
	if got := Translate(cause, driver); got != known {
		t.Errorf("Translate(known) = %v, want the driver's answer", got)
	}
	other := errors.New("other")
	if got := Translate(other, driver); ff.ErrorCode(got) != ff.EINTERNAL || !errors.Is(got, other) {
		t.Errorf("Translate(unknown) = %v, want an internal error wrapping it", got)
	}
	if msg := ff.ErrorMessage(known); strings.Contains(msg, "driver") || ff.ErrorCode(known) != ff.EUNAVAILABLE {
		t.Errorf("Unavailable = %v", known)
	}
}

func TestMessages(t *testing.T) {
	for _, tt := range []struct {
		err        error
		code, want string
	}{
		{NotFound(Segment, "beta"), ff.ENOTFOUND, `segment "beta" not found`},
		{NotFound(Token, ""), ff.ENOTFOUND, `token not found`},
		{Stale(Flag, "f1", 2, 3), ff.EPRECONDITION, `flag "f1" changed since version 2 (it is at version 3); fetch it again and retry`},
		{NewerSchema(9, 3), ff.EINVALID, "store: the database has schema version 9 but this featureflags knows only up to 3; run a newer featureflags"},
		{InvalidText(cause), ff.EINVALID, "text must be valid UTF-8 without NUL characters"},
	} {
		if ff.ErrorCode(tt.err) != tt.code || ff.ErrorMessage(tt.err) != tt.want {
			t.Errorf("got %v, want %s: %s", tt.err, tt.code, tt.want)
		}
	}
}
