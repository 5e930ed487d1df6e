package mongotest_test

import (
	"context"
	"testing"
	"time"

	ff "github.com/featureflags/featureflags"
	"github.com/featureflags/featureflags/internal/mongotest"
	"github.com/featureflags/featureflags/store/mongo"
	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// TestMigrationProtectsProduction: a database of schema 3 (before
// migrateApprovals, the fourth migration), whose
// environments have no settings, gets production protected on opening.
func TestMigrationProtectsProduction(t *testing.T) {
	url := mongotest.Start(t)
	s, err := mongo.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"production", "staging"} {
		if err := s.CreateEnvironment(t.Context(), &ff.Environment{Name: n, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	client, err := driver.Connect(options.Client().ApplyURI(url))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(context.Background())
	db := client.Database(dbName(url))
	unset := bson.D{{Key: "$unset", Value: bson.D{{Key: "protected", Value: ""}, {Key: "requireApproval", Value: ""}, {Key: "approvalAdminsBypass", Value: ""}}}}
	if _, err := db.Collection("environments").UpdateMany(t.Context(), bson.D{}, unset); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection("meta").UpdateOne(t.Context(), bson.D{{Key: "_id", Value: "schema"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: 3}}}}); err != nil {
		t.Fatal(err)
	}
	if s, err = mongo.Open(t.Context(), url); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	envs, err := s.ListEnvironments(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != 2 || !envs[0].Protected || envs[1].Protected {
		t.Fatalf("after migrating: %+v %+v", envs[0], envs[1])
	}
}
