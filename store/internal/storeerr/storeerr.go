// Package storeerr is the one policy by which every store turns what went
// wrong into the domain's errors. A store names what its driver reported in
// this package's small vocabulary (which item, which unique key, the store
// unreachable) and the policy words the *featureflags.Error, so that all
// stores give the same code, field and message for the same failure.
//
// Messages speak of flags, names and versions, never of the driver: the
// driver's error stays behind the domain error in the chain, for logs and
// errors.Is, but never enters the message a client sees.
package storeerr

import (
	"errors"
	"fmt"
	"strings"

	ff "github.com/featureflags/featureflags"
)

// Item kinds, as messages name them.
const (
	Flag        = "flag"
	Segment     = "segment"
	Environment = "environment"
	Token       = "token"
	// ChangeRequest is a change held for approval.
	ChangeRequest = "change request"
)

// unique says, for each unique key a store keeps, as "table.column" (the
// tables and collections of every store share these names), what a
// duplicate of it conflicts on.
var unique = map[string]struct{ kind, field, what string }{
	"flags.name":        {Flag, "name", "name"},
	"flags.id":          {Flag, "_id", "id"},
	"segments.name":     {Segment, "name", "name"},
	"segments.id":       {Segment, "_id", "id"},
	"environments.name": {Environment, "name", "name"},
	"tokens.id":         {Token, "_id", "id"},
	// A token's secret is never input the caller typed, so no field.
	"tokens.hash": {Token, "", "secret"},
}

// Translate returns nil for nil and a domain error as it is. Any other
// error it gives to driver, the store's reading of its driver's errors in
// this package's terms, and returns what driver makes of it or, if driver
// does not know it (returns nil), err as an internal error.
func Translate(err error, driver func(error) error) error {
	if err == nil {
		return nil
	}
	var fe *ff.Error
	if errors.As(err, &fe) {
		return err
	}
	if d := driver(err); d != nil {
		return d
	}
	return Internal(err)
}

// Duplicate returns the ECONFLICT error for a unique violation of key, a
// "table.column" such as "flags.name", with cause behind it. A key outside
// the domain's (an audit event's id, a system catalogue's) is no conflict
// of the input: it is an internal error.
func Duplicate(key string, cause error) error {
	u, ok := unique[key]
	if !ok {
		return Internal(cause)
	}
	e := &ff.Error{Code: ff.ECONFLICT, Field: u.field,
		Message: fmt.Sprintf("%s %s with this %s already exists", article(u.kind), u.kind, u.what)}
	if u.field == "name" {
		e.Message += "; choose another name"
	}
	return wrap(e, cause)
}

// NotFound returns the ENOTFOUND error for the item of this kind that
// idOrName names ("" when it is not to be repeated, a token's hash say).
func NotFound(kind, idOrName string) error {
	if idOrName == "" {
		return ff.Errorf(ff.ENOTFOUND, "%s not found", kind)
	}
	return ff.Errorf(ff.ENOTFOUND, "%s %q not found", kind, idOrName)
}

// Stale returns the EPRECONDITION error for a write that expected the item
// id at version expected, which it has left for version current.
func Stale(kind, id string, expected, current int64) error {
	return ff.Errorf(ff.EPRECONDITION, "%s %q changed since version %d (it is at version %d); fetch it again and retry", kind, id, expected, current)
}

// CheckRevision returns the EPRECONDITION error for a change planned at
// revision planned (0: any) when the store is at revision current.
func CheckRevision(planned, current int64) error {
	if planned == 0 || planned == current {
		return nil
	}
	return ff.Errorf(ff.EPRECONDITION, "the store changed since the plan was made at revision %d (it is at revision %d); plan again", planned, current)
}

// Unavailable returns the EUNAVAILABLE error for a store that cannot be
// reached or cannot serve now, with cause behind it.
func Unavailable(cause error) error {
	return wrap(ff.Errorf(ff.EUNAVAILABLE, "the store is unreachable; retry later"), cause)
}

// Unreachable returns the EUNAVAILABLE error for a store that Open cannot
// reach: database names the kind ("PostgreSQL"), url locates it, without its
// password; cause, behind it, should not quote the password either.
func Unreachable(database, url string, cause error) error {
	return wrap(ff.Errorf(ff.EUNAVAILABLE, "store: cannot reach %s at %s; check that it runs and the URL is right", database, url), cause)
}

// InvalidText returns the EINVALID error for text the database cannot hold.
func InvalidText(cause error) error {
	return wrap(ff.Errorf(ff.EINVALID, "text must be valid UTF-8 without NUL characters"), cause)
}

// NewerSchema returns the error refusing a database whose schema version,
// current, is newer than latest, the newest this program knows.
func NewerSchema(current, latest int) error {
	return ff.Errorf(ff.EINVALID, "store: the database has schema version %d but this featureflags knows only up to %d; run a newer featureflags", current, latest)
}

// Internal returns cause as an internal error: a bug or an unexpected
// failure, whose text reaches the log but never a client.
func Internal(cause error) error {
	return fmt.Errorf("store: %w", cause)
}

// wrap puts cause behind e in the chain; e comes first, so its code,
// message and field are the ones found.
func wrap(e *ff.Error, cause error) error {
	if cause == nil {
		return e
	}
	return fmt.Errorf("%w: %w", e, cause)
}

func article(kind string) string {
	if kind == Environment {
		return "an"
	}
	return "a"
}

// MissingSegment returns the EINVALID error for a write whose field
// ("targeting", "conditions") refers to the segment name, which does not
// exist: another writer may have deleted or renamed it since the writer
// looked.
func MissingSegment(field, name string) error {
	return ff.FieldErrorf(field, "segment %q does not exist (it may just have been deleted or renamed); create it or refer to another", name)
}

// SegmentInUse returns the ECONFLICT error for deleting the segment name
// while user ("flag \"a\"", "segment \"b\"") refers to it.
func SegmentInUse(name, user string) error {
	return ff.Errorf(ff.ECONFLICT, "segment %q is used by %s; remove it from there first", name, user)
}

// SegmentRenameInUse returns the EINVALID error for renaming the segment
// name while user refers to it: references are by name.
func SegmentRenameInUse(name, user string) error {
	return ff.FieldErrorf("name", "segment %q is used by %s; it cannot be renamed while in use", name, user)
}

// SegmentCycle returns the EINVALID error for a write that would make the
// segments of cycle (a -> b -> a) refer to each other in a loop.
func SegmentCycle(cycle []string) error {
	return ff.FieldErrorf("conditions", "segments would refer to each other in a cycle: %s", strings.Join(cycle, " -> "))
}

// MissingPrerequisite returns the EINVALID error for a write whose field
// requires the flag name, which does not exist or is archived.
func MissingPrerequisite(field, name string) error {
	return ff.FieldErrorf(field, "prerequisite flag %q does not exist or is archived (it may just have been deleted); create or restore it, or require another", name)
}

// PrerequisiteInUse returns the ECONFLICT error for deleting, archiving or
// renaming the flag name while the flags users require it.
func PrerequisiteInUse(name string, users []string) error {
	quoted := make([]string, len(users))
	for i, u := range users {
		quoted[i] = fmt.Sprintf("%q", u)
	}
	return ff.Errorf(ff.ECONFLICT, "flag %q is a prerequisite of %s; remove it from their prerequisites first",
		name, strings.Join(quoted, ", "))
}

// PrerequisiteCycle returns the EINVALID error for a write that would make
// the flags of cycle (a -> b -> a) require each other in env.
func PrerequisiteCycle(env string, cycle []string) error {
	return ff.FieldErrorf("targeting."+env+".prerequisites", "flags would require each other in a cycle in %s: %s", env, strings.Join(cycle, " -> "))
}
