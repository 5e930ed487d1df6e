// Package mongo is the MongoDB store, for deployments that already run
// MongoDB (or a wire-compatible server) like the original service did.
//
// It uses only the official driver, go.mongodb.org/mongo-driver/v2, and no
// multi-document transactions: every change a caller can observe is one
// atomic single-document write. Of the rules that span documents, one (an
// environment may not be deleted while it is the last one) is kept by a
// counter document updated with a conditional filter, and segment
// references by checking again after the write and undoing it (refs.go).
//
// # Collections and documents
//
//	flags         {_id: "<24 hex>", name, description, type,
//	               variants: "<JSON object>",            (absent when empty)
//	               environments: {<key>: 0|1 (int32)},
//	               targeting: {<key>: "<JSON Targeting>"}, (absent when empty)
//	               tags: [string], version: int64, createdAt: date, updatedAt: date}
//	segments      {_id, name, description, match, conditions: "<JSON array>",
//	               version, createdAt, updatedAt}
//	environments  {name, position: int64 (creation order), createdAt: date,
//	               protected, requireApproval: int64, approvalAdminsBypass}
//	meta          {_id: "schema", version}           the schema version
//	              {_id: "environments", count, seq}  environment count and position sequence
//	              {_id: "revision", value}           incremented after every change
//	tokens        {_id, name, role, environment (absent when empty),
//	               hash (unique), createdAt: date,
//	               expiresAt, lastUsedAt, revokedAt: date (absent when unset)}
//	audit         {_id, time: date, actor: {type, id, name}, action,
//	               targetType, targetId, targetName, environment,
//	               before, after: "<JSON>" (absent when empty), requestId,
//	               beforeDiff: "<JSON merge patch>" (in place of before, see codec.StoredBefore)}
//	change_requests {_id, flagId, status, version, createdAt: date, doc: "<JSON ChangeRequest>"}
//
// # Audit events
//
// A write made with an audit event in its context (featureflags.WithAudit)
// inserts the event into audit right after its change succeeded, as it
// increments the revision: there is no transaction to put both in. So an
// event is never written for a change that failed or was refused, but a
// change can stand without its event if the process dies between the two,
// or if the insert still fails after a few attempts (the failure is not
// reported as the change's: the change is done, and a caller retrying it
// would repeat it). Nothing updates audit documents; only PruneAudit, the
// retention a deployment sets, deletes them.
//
// Values of type any (variant values, condition values) are kept as JSON
// strings so that they come back exactly as encoding/json produces them
// (float64 numbers, []any, map[string]any) whatever BSON would have made of
// them. Environment names are document keys; since MongoDB reads '.' in a
// key as a path separator, <key> is the name with '%', '.' and '$' escaped
// as %25, %2E and %24 (names allow only letters, digits, '-', '_' and '.',
// so keys of valid names contain at most "%2E").
//
// Times are BSON dates, which hold milliseconds: the precision the service
// keeps.
package mongo

import (
	"context"
	"errors"
	"fmt"
	"github.com/featureflags/featureflags/internal/dsn"
	"net/url"
	"strings"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/store/internal/storeerr"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"
)

// DefaultDatabase is the database used when the URL names none.
const DefaultDatabase = "featureflags"

// SchemaVersion is the newest schema this package knows, the number of its
// migrations; it is stored in the meta collection's {_id: "schema"} document.
const SchemaVersion = 5

func init() {
	if len(migrations) != SchemaVersion {
		panic("store/mongo: SchemaVersion does not match the migrations")
	}
}

// Store is a featureflags.Store on a MongoDB database.
type Store struct {
	client       *mongo.Client
	db           *mongo.Database
	flags        *mongo.Collection
	segments     *mongo.Collection
	environments *mongo.Collection
	meta         *mongo.Collection
	tokens       *mongo.Collection
	audit        *mongo.Collection
	requests     *mongo.Collection
	// interrupt, set by SetInterrupt, stops multi-step writes part way.
	interrupt func(point string) error
}

var _ ff.Store = (*Store)(nil)

// Open connects to the database named by url, a MongoDB connection string
// (mongodb://[user:password@]host[:port][,host...]/[database][?options] or
// mongodb+srv://...; the database defaults to "featureflags"), checks that
// it can be reached and brings its schema up to date.
func Open(ctx context.Context, url string) (*Store, error) {
	dbName, err := databaseName(url)
	if err != nil {
		return nil, err
	}
	opts := options.Client().ApplyURI(url)
	if err := opts.Validate(); err != nil {
		return nil, ff.Errorf(ff.EINVALID, "store: invalid MongoDB URL %s: %s", dsn.Redact(url), redactIn(err.Error(), url))
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, ff.Errorf(ff.EINVALID, "store: invalid MongoDB URL %s: %s", dsn.Redact(url), redactIn(err.Error(), url))
	}
	db := client.Database(dbName)
	s := &Store{
		client:       client,
		db:           db,
		flags:        db.Collection("flags"),
		segments:     db.Collection("segments"),
		environments: db.Collection("environments"),
		meta:         db.Collection("meta"),
		tokens:       db.Collection("tokens"),
		audit:        db.Collection("audit"),
		requests:     db.Collection("change_requests"),
	}
	if err := client.Ping(ctx, readpref.Primary()); err != nil {
		s.Close()
		if ff.ErrorCode(translate(err)) == ff.EUNAVAILABLE {
			return nil, storeerr.Unreachable("MongoDB", dsn.Redact(url), errors.New(redactIn(err.Error(), url)))
		}
		return nil, fmt.Errorf("store: ping MongoDB at %s: %s", dsn.Redact(url), redactIn(err.Error(), url))
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close disconnects from the database.
func (s *Store) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.client.Disconnect(ctx)
	if errors.Is(err, mongo.ErrClientDisconnected) {
		return nil
	}
	return translate(err)
}

// Ping checks that the database can be reached.
func (s *Store) Ping(ctx context.Context) error {
	return translate(s.client.Ping(ctx, readpref.Primary()))
}

// databaseName returns the database named by a MongoDB URL's path.
func databaseName(u string) (string, error) {
	rest, ok := strings.CutPrefix(u, "mongodb://")
	if !ok {
		rest, ok = strings.CutPrefix(u, "mongodb+srv://")
	}
	if !ok {
		return "", ff.Errorf(ff.EINVALID, "store: invalid MongoDB URL %s: it must start with mongodb:// or mongodb+srv://", dsn.Redact(u))
	}
	rest, _, _ = strings.Cut(rest, "?")
	// User names and passwords must escape '/' and '@', hosts contain
	// neither: the path starts at the first '/' after the last '@'.
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		rest = rest[at+1:]
	}
	_, path, _ := strings.Cut(rest, "/")
	name, err := url.PathUnescape(path)
	if err != nil {
		return "", ff.Errorf(ff.EINVALID, "store: invalid MongoDB URL %s: bad database name: %v", dsn.Redact(u), err)
	}
	if name == "" {
		return DefaultDatabase, nil
	}
	if len(name) > 63 || strings.ContainsAny(name, "/\\. \"$\x00") {
		return "", ff.Errorf(ff.EINVALID, "store: invalid MongoDB URL %s: invalid database name %q", dsn.Redact(u), name)
	}
	return name, nil
}

// redactIn removes the password of url from a message that might quote it.
func redactIn(msg, u string) string {
	_, rest, _ := strings.Cut(u, "://")
	rest, _, _ = strings.Cut(rest, "?")
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		if _, password, ok := strings.Cut(rest[:at], ":"); ok && password != "" {
			msg = strings.ReplaceAll(msg, password, "xxxxx")
			if p, err := url.PathUnescape(password); err == nil && p != "" {
				msg = strings.ReplaceAll(msg, p, "xxxxx")
			}
		}
	}
	return msg
}

// Server error codes that mean the server cannot serve now but may later:
// HostUnreachable, HostNotFound, ExceededTimeLimit, NetworkTimeout,
// ShutdownInProgress, PrimarySteppedDown, NotWritablePrimary,
// InterruptedAtShutdown, InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk,
// NotPrimaryOrSecondary.
var unavailableCodes = []int{6, 7, 50, 89, 91, 189, 262, 10107, 11600, 11602, 13435, 13436}

// translate maps the driver's errors to the domain's through the shared
// policy. Callers map mongo.ErrNoDocuments themselves, since only they know
// what is missing, and duplicate keys (see writeError), since only they
// know what they wrote.
func translate(err error) error { return storeerr.Translate(err, driverError) }

// driverError names what the driver reported in storeerr's terms, or
// returns nil.
func driverError(err error) error {
	var sse topology.ServerSelectionError
	if mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.As(err, &sse) ||
		errors.Is(err, mongo.ErrClientDisconnected) || hasCode(err, unavailableCodes...) {
		return storeerr.Unavailable(err)
	}
	return nil
}

// writeError translates the error of writing a document into c. A
// duplicate key is of the document's _id if id, the inserted document's,
// is now taken (checked, since FerretDB's error names no index), and
// otherwise of the collection's other unique key: a name, a token's hash.
// For a replacement, which keeps its _id, id is "".
func writeError(ctx context.Context, c *mongo.Collection, id string, err error) error {
	if !mongo.IsDuplicateKeyError(err) && !isFerretUniqueViolation(err) {
		return translate(err)
	}
	key := c.Name() + ".name"
	if c.Name() == "tokens" {
		key = "tokens.hash"
	}
	if id != "" {
		n, cerr := c.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
		if cerr != nil {
			return translate(cerr)
		}
		if n > 0 {
			key = c.Name() + ".id"
		}
	}
	return storeerr.Duplicate(key, err)
}

// isFerretUniqueViolation recognizes how FerretDB v1's SQLite backend
// reports a unique index violated by an update (not an insert): as an
// InternalError (code 1) quoting SQLite's message, instead of MongoDB's
// E11000 duplicate key error. MongoDB never answers so.
func isFerretUniqueViolation(err error) bool {
	var se mongo.ServerError
	return errors.As(err, &se) && se.HasErrorCode(1) && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func hasCode(err error, codes ...int) bool {
	var se mongo.ServerError
	if !errors.As(err, &se) {
		return false
	}
	for _, c := range codes {
		if se.HasErrorCode(c) {
			return true
		}
	}
	return false
}

// detached returns a context for a compensating write that must happen even
// if the caller's context has just been canceled.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}

// missingOrStale explains why a write filtered by id (and version) matched
// nothing: ENOTFOUND or, when the document exists, EPRECONDITION.
func missingOrStale(ctx context.Context, c *mongo.Collection, kind, id string, expectVersion int64) error {
	var doc struct {
		Version int64 `bson:"version"`
	}
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "version", Value: 1}})).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return storeerr.NotFound(kind, id)
	}
	if err != nil {
		return translate(err)
	}
	return storeerr.Stale(kind, id, expectVersion, doc.Version)
}

// byID filters by _id and, unless expectVersion is AnyVersion, version.
func byID(id string, expectVersion int64) bson.D {
	f := bson.D{{Key: "_id", Value: id}}
	if expectVersion != ff.AnyVersion {
		f = append(f, bson.E{Key: "version", Value: expectVersion})
	}
	return f
}

// byIDOrName filters documents whose _id or name is v.
func byIDOrName(v string) bson.D {
	return bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "_id", Value: v}}, bson.D{{Key: "name", Value: v}}}}}
}

func date(t time.Time) bson.DateTime { return bson.NewDateTimeFromTime(t) }

func fromDate(d bson.DateTime) time.Time { return time.UnixMilli(int64(d)).UTC() }
