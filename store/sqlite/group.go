package sqlite

import (
	"context"
	"database/sql"
)

// Group commit. SQLite syncs its write-ahead log once per commit, and that
// sync is most of what a small write costs; writes that arrive while one
// commits can share the next commit instead of each waiting for its own.
// CommitGroup runs such writes in one transaction, each in a savepoint of
// its own so that one's refusal takes back that write alone.

// groupKey marks a context whose writes join a group's transaction.
type groupKey struct{}

// group is the open transaction of one CommitGroup call.
type group struct {
	s  *Store
	tx *sql.Tx
}

// joined returns the group ctx belongs to on s, or nil.
func (s *Store) joined(ctx context.Context) *group {
	if g, ok := ctx.Value(groupKey{}).(*group); ok && g.s == s {
		return g
	}
	return nil
}

// CommitGroup runs writes in order in one transaction and commits it once:
// one sync to disk for all of them. Each write is given join, which turns
// its context into one whose store writes run in that transaction (and
// that no longer ends with the client: once begun, a group runs to its
// commit). Every write runs in a savepoint, as does every store method
// within it, so that a write that returns an error is rolled back alone;
// errs[i] is write i's error. When err is not nil the transaction was
// rolled back and none of the writes was made.
//
// Store writes called during a write with a context join did not return
// wait for the transaction to end: they must not be made.
func (s *Store) CommitGroup(ctx context.Context, writes []func(join func(context.Context) context.Context) error) (errs []error, err error) {
	ctx = context.WithoutCancel(ctx)
	errs = make([]error, len(writes))
	err = s.rawTx(ctx, func(tx *sql.Tx) error {
		g := &group{s: s, tx: tx}
		join := func(c context.Context) context.Context {
			return context.WithValue(context.WithoutCancel(c), groupKey{}, g)
		}
		for i, write := range writes {
			var err error
			if errs[i], err = savepoint(ctx, tx, func() error { return write(join) }); err != nil {
				return err
			}
		}
		if s.beforeCommit != nil {
			return s.beforeCommit(ctx, tx)
		}
		return nil
	})
	for i := range errs {
		errs[i] = translate(errs[i])
	}
	return errs, err
}

// savepoint runs fn in a savepoint of tx: if fn fails, what it did is
// rolled back and its error returned as failed. err is the savepoint's own
// failure, after which the transaction cannot go on.
func savepoint(ctx context.Context, tx *sql.Tx, fn func() error) (failed, err error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT w`); err != nil {
		return nil, err
	}
	if failed = fn(); failed != nil {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO w`); err != nil {
			return failed, err
		}
	}
	_, err = tx.ExecContext(ctx, `RELEASE w`)
	return failed, err
}
