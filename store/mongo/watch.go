package mongo

import (
	"context"
	"time"

	ff "github.com/featureflags/featureflags"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Change notifications, so that replicas sharing a database hear of each
// other's changes: every change increments the revision document (see
// bump), and WatchRevisions follows it with a change stream where the
// deployment has them (replica sets and sharded clusters) and otherwise
// (a standalone server, FerretDB) by reading it every RevisionPollInterval.

// RevisionPollInterval is how often WatchRevisions reads the revision
// where change streams are not available: changes reach other replicas
// within it.
var RevisionPollInterval = 200 * time.Millisecond

// WatchRevisions calls notify with the revision after each change made
// through any process, until ctx ends (it returns ctx's error) or the
// database fails (it returns the error; the caller tries again). Once it
// watches it calls notify(0): changes made before may have been missed.
func (s *Store) WatchRevisions(ctx context.Context, notify func(revision int64)) error {
	match := mongo.Pipeline{{{Key: "$match", Value: bson.D{{Key: "documentKey._id", Value: revisionID}}}}}
	cs, err := s.meta.Watch(ctx, match, options.ChangeStream().SetFullDocument(options.UpdateLookup))
	if err != nil {
		if err := translate(err); ff.ErrorCode(err) == ff.EUNAVAILABLE || ctx.Err() != nil {
			return err
		}
		// Refused: the deployment has no change streams.
		return s.pollRevisions(ctx, notify)
	}
	defer func() {
		cctx, cancel := detached(ctx)
		defer cancel()
		_ = cs.Close(cctx)
	}()
	notify(0)
	for cs.Next(ctx) {
		var ev struct {
			FullDocument *struct {
				Value int64 `bson:"value"`
			} `bson:"fullDocument"`
		}
		if err := cs.Decode(&ev); err == nil && ev.FullDocument != nil && ev.FullDocument.Value > 0 {
			notify(ev.FullDocument.Value)
		} else {
			notify(0)
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return translate(cs.Err())
}

// pollRevisions reads the revision every RevisionPollInterval and calls
// notify when it moved.
func (s *Store) pollRevisions(ctx context.Context, notify func(int64)) error {
	t := time.NewTicker(RevisionPollInterval)
	defer t.Stop()
	last := int64(-1)
	for {
		rev, err := s.Revision(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return err
		}
		if rev != last {
			if last < 0 {
				notify(0)
			}
			notify(rev)
			last = rev
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
