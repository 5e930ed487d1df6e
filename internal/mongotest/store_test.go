package mongotest_test

import (
	"context"
	"fmt"
	"github.com/featureflags/featureflags/internal/dsn"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/mongotest"
	"github.com/featureflags/featureflags/store/mongo"
	"github.com/featureflags/featureflags/store/storetest"
	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func open(t *testing.T) ff.Store {
	s, err := mongo.Open(t.Context(), mongotest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func TestReplicas(t *testing.T) {
	storetest.RunReplicas(t, func(t *testing.T) (ff.Store, ff.Store) {
		url := mongotest.Start(t)
		a, err := mongo.Open(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		b, err := mongo.Open(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	})
}

func TestRefusesNewerSchema(t *testing.T) {
	url := mongotest.Start(t)
	s, err := mongo.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	client, err := driver.Connect(options.Client().ApplyURI(url))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	meta := client.Database(dbName(url)).Collection("meta")
	var doc struct {
		Version int `bson:"version"`
	}
	if err := meta.FindOne(t.Context(), bson.D{{Key: "_id", Value: "schema"}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != mongo.SchemaVersion {
		t.Fatalf("stored schema version %d, want %d", doc.Version, mongo.SchemaVersion)
	}
	newer := mongo.SchemaVersion + 1
	_, err = meta.UpdateOne(t.Context(), bson.D{{Key: "_id", Value: "schema"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: newer}}}})
	if err != nil {
		t.Fatal(err)
	}

	_, err = mongo.Open(t.Context(), url)
	if ff.ErrorCode(err) != ff.EINVALID {
		t.Fatalf("opening a newer database: %v, want a refusal", err)
	}
	for _, want := range []string{fmt.Sprintf("version %d", newer), fmt.Sprintf("up to %d", mongo.SchemaVersion)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not say %q", err, want)
		}
	}
}

// Reopening a database runs no migration again and keeps the data.
func TestReopen(t *testing.T) {
	url := mongotest.Start(t)
	s, err := mongo.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Millisecond).UTC()
	for _, n := range []string{"a", "b"} {
		if err := s.CreateEnvironment(t.Context(), &ff.Environment{Name: n, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s, err = mongo.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The counter survived: one of the two can go, the other cannot.
	if err := s.DeleteEnvironment(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteEnvironment(t.Context(), "b"); ff.ErrorCode(err) != ff.EINVALID {
		t.Fatalf("deleting the last environment after reopening: %v", err)
	}
}

func TestDefaultDatabase(t *testing.T) {
	url := mongotest.Start(t)
	base := url[:strings.LastIndexByte(url, '/')+1] // mongodb://host:port/
	s, err := mongo.Open(t.Context(), base+"?maxPoolSize=1")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	client, err := driver.Connect(options.Client().ApplyURI(url))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	n, err := client.Database(mongo.DefaultDatabase).Collection("meta").CountDocuments(t.Context(), bson.D{})
	if err != nil || n == 0 {
		t.Fatalf("database %q has %d meta documents (%v)", mongo.DefaultDatabase, n, err)
	}
}

// Of concurrent deletions of the last two environments exactly one wins.
func TestConcurrentDeleteOfLastTwo(t *testing.T) {
	s := open(t)
	defer s.Close()
	ctx := t.Context()
	now := time.Now().Truncate(time.Millisecond).UTC()
	for round := range 10 {
		a, b := fmt.Sprintf("a%d", round), fmt.Sprintf("b%d", round)
		for _, n := range []string{a, b} {
			if err := s.CreateEnvironment(ctx, &ff.Environment{Name: n, CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
		}
		if round > 0 { // the survivor of the previous round
			if err := s.DeleteEnvironment(ctx, survivor(t, s)); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, n := range []string{a, b} {
			wg.Go(func() { errs[i] = s.DeleteEnvironment(ctx, n) })
		}
		wg.Wait()
		codes := []string{ff.ErrorCode(errs[0]), ff.ErrorCode(errs[1])}
		if !(codes[0] == "" && codes[1] == ff.EINVALID) && !(codes[0] == ff.EINVALID && codes[1] == "") {
			t.Fatalf("round %d: deletions gave %v, want one success and one refusal", round, errs)
		}
		envs, err := s.ListEnvironments(ctx)
		if err != nil || len(envs) != 1 {
			t.Fatalf("round %d: environments %v (%v), want 1", round, envs, err)
		}
	}
}

func survivor(t *testing.T, s ff.Store) string {
	envs, err := s.ListEnvironments(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return envs[0].Name
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	url := "mongodb://admin:s3cr%40t@" + addr + "/flags?serverSelectionTimeoutMS=500"
	start := time.Now()
	_, err = mongo.Open(t.Context(), url)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Open took %v to give up", took)
	}
	if ff.ErrorCode(err) != ff.EUNAVAILABLE {
		t.Fatalf("Open of an unreachable server: %v, want %s", err, ff.EUNAVAILABLE)
	}
	msg := ff.ErrorMessage(err)
	if !strings.Contains(msg, dsn.Redact(url)) {
		t.Errorf("message %q does not name %s", msg, dsn.Redact(url))
	}
	if strings.Contains(msg, "s3cr") {
		t.Errorf("message %q shows the password", msg)
	}
}

func TestInvalidURL(t *testing.T) {
	for _, url := range []string{"postgres://localhost/flags", "mongodb://localhost/bad.name", "mongodb://localhost/flags?maxPoolSize=abc", "mongodb://u:p:q@localhost/flags"} {
		_, err := mongo.Open(t.Context(), url)
		if ff.ErrorCode(err) != ff.EINVALID {
			t.Errorf("Open(%q): %v, want %s", url, err, ff.EINVALID)
		}
		if strings.Contains(ff.ErrorMessage(err), "p:q") {
			t.Errorf("message %q shows the password", ff.ErrorMessage(err))
		}
	}
}

func dbName(url string) string {
	path := url[strings.LastIndexByte(url, '/')+1:]
	name, _, _ := strings.Cut(path, "?")
	return name
}
