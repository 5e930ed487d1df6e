package postgres

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Change notifications, so that replicas sharing a database hear of each
// other's changes as they commit: every write transaction sends its new
// revision on Channel with pg_notify, and WatchRevisions listens on a
// connection of its own. PostgreSQL delivers a notification when (and only
// if) its transaction commits, to every session of the same database that
// listens, in commit order.

// Channel is the notification channel of revisions.
const Channel = "featureflags"

// notifyRevision is appended to the revision's UPDATE (see bumpRevision):
// it sends the new revision as text.
const notifyRevision = ` RETURNING pg_notify('` + Channel + `', revision::text)`

// watchCheck is how long WatchRevisions waits for a notification before it
// pings the connection, so that a connection which died silently (a
// vanished host, a dropped NAT entry) is noticed within it plus
// watchPingTimeout.
const (
	watchCheck       = 30 * time.Second
	watchPingTimeout = 5 * time.Second
)

// WatchRevisions listens on Channel on a connection of its own and calls
// notify with the revision of each change committed through any process,
// until ctx ends (it returns ctx's error) or the connection fails (it
// returns the error; the caller reconnects). Once it listens it calls
// notify(0): changes committed before may have been missed.
func (s *Store) WatchRevisions(ctx context.Context, notify func(revision int64)) error {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return translate(err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), watchPingTimeout)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return translate(err)
	}
	notify(0)
	for {
		wctx, cancel := context.WithTimeout(ctx, watchCheck)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil:
			rev, perr := strconv.ParseInt(n.Payload, 10, 64)
			if perr != nil || rev <= 0 {
				rev = 0 // not ours: check the revision
			}
			notify(rev)
		case errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			pctx, cancel := context.WithTimeout(ctx, watchPingTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return translate(err)
			}
		default:
			return translate(err)
		}
	}
}
