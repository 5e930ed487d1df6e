package mongo

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/codec"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// tokenDoc is a token as stored; see the package documentation.
type tokenDoc struct {
	ID          string         `bson:"_id"`
	Name        string         `bson:"name"`
	Role        string         `bson:"role"`
	Environment string         `bson:"environment,omitempty"`
	Hash        string         `bson:"hash"`
	CreatedAt   bson.DateTime  `bson:"createdAt"`
	ExpiresAt   *bson.DateTime `bson:"expiresAt,omitempty"`
	LastUsedAt  *bson.DateTime `bson:"lastUsedAt,omitempty"`
	RevokedAt   *bson.DateTime `bson:"revokedAt,omitempty"`
}

func optDate(t *time.Time) *bson.DateTime {
	if t == nil {
		return nil
	}
	d := date(*t)
	return &d
}

func fromOptDate(d *bson.DateTime) *time.Time {
	if d == nil {
		return nil
	}
	t := fromDate(*d)
	return &t
}

func encodeToken(t *ff.Token) *tokenDoc {
	return &tokenDoc{
		ID: t.ID, Name: t.Name, Role: string(t.Role), Environment: t.Environment, Hash: t.Hash,
		CreatedAt: date(t.CreatedAt), ExpiresAt: optDate(t.ExpiresAt),
		LastUsedAt: optDate(t.LastUsedAt), RevokedAt: optDate(t.RevokedAt),
	}
}

func decodeToken(d *tokenDoc) *ff.Token {
	return &ff.Token{
		ID: d.ID, Name: d.Name, Role: ff.Role(d.Role), Environment: d.Environment, Hash: d.Hash,
		CreatedAt: fromDate(d.CreatedAt), ExpiresAt: fromOptDate(d.ExpiresAt),
		LastUsedAt: fromOptDate(d.LastUsedAt), RevokedAt: fromOptDate(d.RevokedAt),
	}
}

// CreateToken stores t.
func (s *Store) CreateToken(ctx context.Context, t *ff.Token) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	if _, err := s.tokens.InsertOne(ctx, encodeToken(t)); err != nil {
		return writeError(ctx, s.tokens, t.ID, err)
	}
	s.changed(ctx)
	return nil
}

// ListTokens returns every token, newest first (by creation time, then id).
func (s *Store) ListTokens(ctx context.Context) ([]*ff.Token, error) {
	tokens, err := findAll(ctx, s.tokens, bson.D{}, func(d *tokenDoc) (*ff.Token, error) { return decodeToken(d), nil })
	if err != nil {
		return nil, err
	}
	// Sorted here, byte-wise, like flags.
	slices.SortFunc(tokens, func(a, b *ff.Token) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
	})
	return tokens, nil
}

// FindTokenByHash returns the token whose hash is hash.
func (s *Store) FindTokenByHash(ctx context.Context, hash string) (*ff.Token, error) {
	var d tokenDoc
	err := s.tokens.FindOne(ctx, bson.D{{Key: "hash", Value: hash}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, storeerr.NotFound(storeerr.Token, "")
	}
	if err != nil {
		return nil, translate(err)
	}
	return decodeToken(&d), nil
}

// RevokeToken marks the token id revoked at at, unless it is already: the
// update's filter matches only a token without a revocation time.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	if err := prepareEvent(ctx); err != nil {
		return err
	}
	res, err := s.tokens.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "revokedAt", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revokedAt", Value: date(at)}}}})
	if err != nil {
		return translate(err)
	}
	if res.MatchedCount == 0 {
		n, err := s.tokens.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
		if err != nil {
			return translate(err)
		}
		if n == 0 {
			return storeerr.NotFound(storeerr.Token, id)
		}
		// Revoked already: the first time stays, and revoking succeeds.
	}
	s.changed(ctx)
	return nil
}

// TouchTokens records last-used times, never moving one back ($max), with
// one single-document update per token; it neither writes an audit event
// nor moves the revision. Unknown ids are skipped.
func (s *Store) TouchTokens(ctx context.Context, lastUsed map[string]time.Time) error {
	for _, id := range slices.Sorted(maps.Keys(lastUsed)) {
		_, err := s.tokens.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
			bson.D{{Key: "$max", Value: bson.D{{Key: "lastUsedAt", Value: date(lastUsed[id])}}}})
		if err != nil {
			return translate(err)
		}
	}
	return nil
}

// auditDoc is an audit event as stored; see the package documentation.
type auditDoc struct {
	ID          string        `bson:"_id"`
	Time        bson.DateTime `bson:"time"`
	Actor       actorDoc      `bson:"actor"`
	Action      string        `bson:"action"`
	TargetType  string        `bson:"targetType"`
	TargetID    string        `bson:"targetId"`
	TargetName  string        `bson:"targetName"`
	Environment string        `bson:"environment"`
	Before      string        `bson:"before,omitempty"` // JSON
	After       string        `bson:"after,omitempty"`  // JSON
	RequestID   string        `bson:"requestId"`
	// BeforeDiff stands in for Before: a JSON merge patch from After
	// (see codec.StoredBefore).
	BeforeDiff string `bson:"beforeDiff,omitempty"`
}

type actorDoc struct {
	Type string `bson:"type"`
	ID   string `bson:"id"`
	Name string `bson:"name"`
}

func encodeAudit(ev *ff.AuditEvent) *auditDoc {
	before, diff := codec.StoredBefore(ev.Before, ev.After)
	return &auditDoc{
		ID: ev.ID, Time: date(ev.Time), Actor: actorDoc(ev.Actor), Action: ev.Action,
		TargetType: ev.TargetType, TargetID: ev.TargetID, TargetName: ev.TargetName,
		Environment: ev.Environment, Before: string(before), After: string(ev.After), RequestID: ev.RequestID,
		BeforeDiff: string(diff),
	}
}

func decodeAudit(d *auditDoc) (*ff.AuditEvent, error) {
	ev := &ff.AuditEvent{
		ID: d.ID, Time: fromDate(d.Time), Actor: ff.Actor(d.Actor), Action: d.Action,
		TargetType: d.TargetType, TargetID: d.TargetID, TargetName: d.TargetName,
		Environment: d.Environment, RequestID: d.RequestID,
	}
	return ev, codec.SetStates(ev, d.Before, d.After, d.BeforeDiff)
}

// prepareEvent readies the audit event ctx carries, if any, before a write
// makes its change: it gets its id, and a bad event refuses the write.
func prepareEvent(ctx context.Context) error {
	for _, ev := range ff.AuditEventsFrom(ctx) {
		if err := codec.PrepareEvent(ev); err != nil {
			return err
		}
	}
	return nil
}

// record inserts the audit event ctx carries, if any, right after a
// successful change. Like bump, it goes on if the caller's context is
// canceled, tries a few times and does not report a failure: the change is
// made (see the package documentation). A duplicate key means an earlier
// attempt got through (or the caller passed one event to two writes).
func (s *Store) record(ctx context.Context) {
	evs := ff.AuditEventsFrom(ctx)
	if len(evs) == 0 {
		return
	}
	ctx, cancel := detached(ctx)
	defer cancel()
	for _, ev := range evs {
		doc := encodeAudit(ev)
		for range 3 {
			_, err := s.audit.InsertOne(ctx, doc)
			if err == nil || mongo.IsDuplicateKeyError(err) || ctx.Err() != nil {
				break
			}
		}
		// The webhooks' outbox copy, with the same policy (webhooks.go).
		for range 3 {
			if err := s.enqueue(ctx, doc); err == nil || ctx.Err() != nil {
				break
			}
		}
	}
}

// ListAudit returns the events f selects, newest first, a page at a time:
// filters and the cursor combine in one $and.
func (s *Store) ListAudit(ctx context.Context, f ff.AuditFilter) ([]*ff.AuditEvent, string, error) {
	limit := codec.AuditLimit(f.Limit)
	cur, hasCursor, err := codec.DecodeCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	var and bson.A
	eq := func(k string, v any) { and = append(and, bson.D{{Key: k, Value: v}}) }
	if f.TargetID != "" {
		eq("targetId", f.TargetID)
	}
	if f.Environment != "" {
		eq("environment", f.Environment)
	}
	if f.Actor != "" {
		eq("$or", bson.A{bson.D{{Key: "actor.id", Value: f.Actor}}, bson.D{{Key: "actor.name", Value: f.Actor}}})
	}
	if !f.Since.IsZero() {
		eq("time", bson.D{{Key: "$gte", Value: date(f.Since)}})
	}
	if !f.Until.IsZero() {
		eq("time", bson.D{{Key: "$lt", Value: date(f.Until)}})
	}
	if hasCursor {
		t := bson.DateTime(cur.Time)
		eq("$or", bson.A{
			bson.D{{Key: "time", Value: bson.D{{Key: "$lt", Value: t}}}},
			bson.D{{Key: "time", Value: t}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: cur.ID}}}},
		})
	}
	filter := bson.D{}
	if len(and) > 0 {
		filter = bson.D{{Key: "$and", Value: and}}
	}
	c, err := s.audit.Find(ctx, filter, options.Find().
		SetSort(bson.D{{Key: "time", Value: -1}, {Key: "_id", Value: -1}}).
		SetLimit(int64(limit+1)))
	if err != nil {
		return nil, "", translate(err)
	}
	var docs []*auditDoc
	if err := c.All(ctx, &docs); err != nil {
		return nil, "", translate(err)
	}
	events := make([]*ff.AuditEvent, 0, len(docs))
	for _, d := range docs {
		ev, err := decodeAudit(d)
		if err != nil {
			return nil, "", err
		}
		events = append(events, ev)
	}
	events, next := codec.AuditPage(events, limit)
	return events, next, nil
}
