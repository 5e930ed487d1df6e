package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/prereq"
	"github.com/featureflags/featureflags/store/internal/storeerr"
)

// Segment references are checked inside the write's transaction: SQLite
// has one writer at a time (across processes too, as every write
// transaction begins IMMEDIATE), so what a check reads cannot change before
// the write commits.

// checkRefs refuses, as field, a reference to a segment that does not exist.
func checkRefs(ctx context.Context, q queryer, field string, names []string) error {
	for _, name := range names {
		var one int
		err := q.QueryRowContext(ctx, `SELECT 1 FROM segments WHERE name = ?`, name).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return storeerr.MissingSegment(field, name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// segmentUser names a flag or another segment that refers to the segment
// name, or returns "".
func segmentUser(ctx context.Context, q queryer, name string) (string, error) {
	var kind, user string
	err := q.QueryRowContext(ctx, `
		SELECT 'flag', f.name FROM flags f, json_tree(f.targeting) c
		 WHERE c.type = 'object' AND json_extract(c.value, '$.operator') IN ('inSegment', 'notInSegment')
		   AND json_extract(c.value, '$.value') = ?1
		UNION ALL
		SELECT 'segment', s.name FROM segments s, json_each(s.conditions) c
		 WHERE s.name <> ?1 AND json_extract(c.value, '$.operator') IN ('inSegment', 'notInSegment')
		   AND json_extract(c.value, '$.value') = ?1
		LIMIT 1`, name).Scan(&kind, &user)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return fmt.Sprintf("%s %q", kind, user), err
}

// checkSegmentWrite checks, after sg was written in tx (renamed from
// oldName, or "" for none), that what it refers to exists, that nothing
// refers to its old name and that no segments now refer to each other in
// a cycle.
func checkSegmentWrite(ctx context.Context, tx *sql.Tx, sg *ff.Segment, oldName string) error {
	if err := checkRefs(ctx, tx, "conditions", sg.SegmentRefs()); err != nil {
		return err
	}
	if oldName != "" && oldName != sg.Name {
		if err := refuseUsed(ctx, tx, oldName, storeerr.SegmentRenameInUse); err != nil {
			return err
		}
	}
	return checkCycles(ctx, tx)
}

// refuseUsed returns refusal(name, user) if something refers to the
// segment name.
func refuseUsed(ctx context.Context, q queryer, name string, refusal func(name, user string) error) error {
	user, err := segmentUser(ctx, q, name)
	if err != nil || user == "" {
		return err
	}
	return refusal(name, user)
}

// checkCycles refuses a cycle of references among the stored segments.
func checkCycles(ctx context.Context, q queryer) error {
	segs, err := listSegments(ctx, q)
	if err != nil {
		return err
	}
	if cycle := ff.SegmentCycle(segs); cycle != nil {
		return storeerr.SegmentCycle(cycle)
	}
	return nil
}

// checkDataset checks the references of every flag and segment, as Import
// leaves them.
func checkDataset(ctx context.Context, tx *sql.Tx) error {
	segs, err := listSegments(ctx, tx)
	if err != nil {
		return err
	}
	flags, err := listFlags(ctx, tx)
	if err != nil {
		return err
	}
	for _, sg := range segs {
		if err := checkRefs(ctx, tx, "conditions", sg.SegmentRefs()); err != nil {
			return err
		}
	}
	for _, f := range flags {
		if err := checkRefs(ctx, tx, "targeting", f.SegmentRefs()); err != nil {
			return err
		}
	}
	if err := prereq.CheckAll(ctx, flags); err != nil {
		return err
	}
	return checkCycles(ctx, tx)
}
